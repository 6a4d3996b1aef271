using MnistPipeline.Networks;
using MnistPipeline.Training;

namespace MnistPipeline.Sample.Report;

/// <summary>What a training run was and what it did, for the report.</summary>
/// <param name="Preset">tutorial or recommended.</param>
/// <param name="Options">The trainer options used (preset plus overrides).</param>
/// <param name="Seed">The MLContext seed.</param>
/// <param name="TrainRows">Training images used.</param>
/// <param name="Validation">What the validation curve was measured on.</param>
/// <param name="Architecture">e.g. 784-256-128-10.</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="History">Per-epoch metrics from the trainer.</param>
/// <param name="Elapsed">Training wall time.</param>
internal sealed record TrainingRun(
    string Preset,
    MlpTrainer.Options Options,
    int Seed,
    int TrainRows,
    string Validation,
    string Architecture,
    long Parameters,
    IReadOnlyList<EpochMetrics> History,
    TimeSpan Elapsed);
