using MnistPipeline.Networks;
using MnistPipeline.Training;

namespace MnistPipeline.Sample.Report;

/// <summary>What a training run was and what it did, for the report.</summary>
/// <param name="Preset">tutorial, recommended, best or defaults (MLP), recommended or lenet5 (ConvNet).</param>
/// <param name="Options">The trainer options used (preset plus overrides).</param>
/// <param name="Seed">The MLContext seed.</param>
/// <param name="TrainRows">Training images used.</param>
/// <param name="Validation">What the validation curve was measured on (rows kept out of the training images, or none).</param>
/// <param name="Architecture">e.g. 784-256-128-10, or a ConvNet's layers.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="History">Per-epoch metrics from the trainer.</param>
/// <param name="Elapsed">Training wall time.</param>
/// <param name="Calibration">What the calibration after training did.</param>
internal sealed record TrainingRun(
    string Preset,
    NetworkTrainerOptions Options,
    int Seed,
    int TrainRows,
    string Validation,
    string Architecture,
    long Parameters,
    IReadOnlyList<EpochMetrics> History,
    TimeSpan Elapsed,
    CalibrationSummary? Calibration)
{
    /// <summary>--network: mlp, cnn or lenet5.</summary>
    public string Network { get; init; } = "mlp";

    public ClassificationLoss Loss { get; init; }

    /// <summary>The activation of the hidden layers.</summary>
    public string Activation { get; init; } = "";

    public string WeightInitialization { get; init; } = "";

    /// <summary>Units of the hidden dense layers.</summary>
    public int[] HiddenLayers { get; init; } = [];
}
