using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// MlpTrainer in the ML.NET pipeline. Epoch times come from <c>EpochCompleted</c>; the time the
/// trainer spent reading the IDataView into tensors comes from its log line
/// ("… training rows read in X s"), which is inside the train wall.
/// </summary>
internal abstract partial class MlpTrainerContender : MlNetPipelineContender
{
    private readonly List<double> _epochs = [];
    private readonly Dictionary<string, string> _facts = [];
    private double? _readSeconds;

    /// <summary>The preset, before the bench sets threads, seed and the epoch callback.</summary>
    protected abstract MlpTrainer.Options CreateOptions();

    protected override int? Epochs => CreateOptions().Epochs;

    protected override double[]? EpochSeconds => _epochs.ToArray();

    protected override double? DataPrepSeconds => _readSeconds;

    protected override Dictionary<string, string> Facts(MLContext ml) => _facts;

    protected override int? BatchSize => CreateOptions().BatchSize;

    protected override IEnumerable<ReadOnlyMemory<float>>? TrainedWeights(ITransformer model)
        => ((TransformerChain<ITransformer>)model).LastTransformer is MlpTransformer mlp
            ? mlp.Model.Layers.SelectMany(l => new[] { l.Weights, l.Bias })
            : null;

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, BenchSettings settings)
    {
        var options = CreateOptions();
        options.NumberOfThreads = settings.Threads;
        options.Seed = settings.Seed;
        options.EpochCompleted = m => _epochs.Add(m.Elapsed.TotalSeconds);
        ml.Log += (_, e) => ReadLog(e.Message);
        return new MlpTrainer(ml, options);
    }

    private void ReadLog(string message)
    {
        if (!message.Contains("MnistPipeline.Mlp", StringComparison.Ordinal))
            return;
        if (RowsReadIn().Match(message) is { Success: true } read)
            _readSeconds = double.Parse(read.Groups[1].Value, CultureInfo.InvariantCulture);
        if (ThreadsIn().Match(message) is { Success: true } threads)
            _facts["libtorch threads (trainer log)"] = threads.Groups[1].Value;
        if (StepIn().Match(message) is { Success: true } step)
            _facts["training step (trainer log)"] = step.Groups[1].Value;
    }

    [GeneratedRegex(@"training rows read in ([0-9.]+) s")]
    private static partial Regex RowsReadIn();

    [GeneratedRegex(@"\bthreads (\d+)\b")]
    private static partial Regex ThreadsIn();

    [GeneratedRegex(@"Training step: (.+?)\.?$")]
    private static partial Regex StepIn();
}
