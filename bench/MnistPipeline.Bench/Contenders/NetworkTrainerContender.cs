using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// A network trainer of the library in the ML.NET pipeline. Epoch times come from
/// <c>EpochCompleted</c>; the time the trainer spent reading the IDataView into tensors comes from
/// its log line ("… training rows read in X s"), which is inside the train wall.
/// </summary>
internal abstract class NetworkTrainerContender<TOptions>(string logSource) : MlNetPipelineContender
    where TOptions : NetworkTrainerOptions
{
    private readonly List<double> _epochs = [];
    private readonly TrainerLogReader _log = new(logSource);

    /// <summary>The preset, before the bench sets threads, seed and the epoch callback.</summary>
    protected abstract TOptions CreateOptions();

    /// <summary>The trainer with the bench's settings applied to <paramref name="options"/>.</summary>
    protected abstract IEstimator<ITransformer> CreateTrainer(MLContext ml, TOptions options);

    protected override int? Epochs => CreateOptions().Epochs;

    protected override double[]? EpochSeconds => _epochs.ToArray();

    protected override double? DataPrepSeconds => _log.DataPrepSeconds;

    protected override long RowsKeptOut => _log.RowsKeptOut;

    protected override Dictionary<string, string> Facts(MLContext ml) => _log.Facts;

    protected override float? Temperature(ITransformer model)
        => model is TransformerChain<ITransformer> { LastTransformer: IPredictionTransformer<NetworkModelParameters> network } ? network.Model.Temperature : null;

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, BenchSettings settings)
    {
        var options = CreateOptions();
        options.NumberOfThreads = settings.Threads;
        options.Seed = settings.Seed;
        options.EpochCompleted = m => _epochs.Add(m.Elapsed.TotalSeconds);
        ml.Log += (_, e) => _log.Read(e.Message);
        return CreateTrainer(ml, options);
    }
}
