using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Sample.Rendering;
using MnistPipeline.Training;

namespace MnistPipeline.Sample.Commands;

/// <summary>
/// The network <c>train</c> trains (<c>--network</c>): its trainer options (preset plus the
/// command line's values), the features it reads, and what the report says about it.
/// </summary>
internal abstract class SampleNetwork
{
    public const string Mlp = "mlp";
    public const string ConvNet = "cnn";
    public const string LeNet5 = "lenet5";
    public static readonly string[] Names = [Mlp, ConvNet, LeNet5];

    /// <summary>--network's value.</summary>
    public abstract string Name { get; }

    /// <summary>The preset the report names (tutorial, recommended, lenet5).</summary>
    public abstract string Preset { get; }

    public abstract NetworkTrainerOptions Options { get; }

    public abstract ClassificationLoss Loss { get; }

    /// <summary>The activation of the hidden layers, for the report.</summary>
    public abstract string Activation { get; }

    /// <summary>The weight initialization, for the report.</summary>
    public abstract string WeightInitialization { get; }

    /// <summary>The trainer's log source, whose lines the progress shows.</summary>
    public abstract string LogSource { get; }

    /// <summary>The options in one line, for the first line of the run.</summary>
    public abstract string Describe();

    /// <summary>The stateless preprocessing from the raw <c>Image</c> column to the trainer's <c>Features</c>.</summary>
    public abstract IEstimator<ITransformer> Preprocessing(MLContext ml);

    /// <summary>
    /// Trains on <paramref name="train"/> only: the trainer keeps rows out of it for the
    /// validation curve and the calibration temperature, so the test set never shapes the model.
    /// </summary>
    public abstract Trained Fit(MLContext ml, IDataView train);

    /// <summary>Creates the trainer now, so a bad option fails before any data is read.</summary>
    public abstract void CreateTrainer(MLContext ml);

    /// <summary>A fitted network and what the report says about it.</summary>
    /// <param name="Transformer">The fitted transformer (to append to the preprocessing).</param>
    /// <param name="History">The trainer's per-epoch metrics.</param>
    /// <param name="Model">The trained network.</param>
    /// <param name="Architecture">e.g. 784-256-128-10, or the ConvNet's layers.</param>
    /// <param name="HiddenLayers">Units of the hidden dense layers.</param>
    /// <param name="Calibration">What the calibration after training did.</param>
    public sealed record Trained(ITransformer Transformer, IReadOnlyList<EpochMetrics> History, NetworkModelParameters Model, string Architecture, int[] HiddenLayers,
        CalibrationSummary? Calibration);

    public static SampleNetwork For(TrainSettings settings, ProgressRenderer renderer, CancellationToken cancel)
    {
        SampleNetwork network = settings.Network switch
        {
            Mlp => new MlpSampleNetwork(settings),
            _ => new ConvNetSampleNetwork(settings),
        };
        var options = network.Options;
        options.Epochs = settings.Epochs ?? options.Epochs;
        options.BatchSize = settings.BatchSize ?? options.BatchSize;
        options.LearningRate = settings.LearningRate ?? options.LearningRate;
        options.Optimizer = settings.Optimizer ?? options.Optimizer;
        options.NumberOfThreads = settings.Common.Threads;
        options.ProgressChanged = renderer.Progress;
        options.CancellationToken = cancel;
        options.CheckpointPath = settings.CheckpointPath;
        return network;
    }
}
