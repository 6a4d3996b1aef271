using MnistPipeline.Sample.Model;

namespace MnistPipeline.Sample.Report;

/// <summary>Everything a report is made of.</summary>
/// <param name="Mode">train or evaluate.</param>
/// <param name="CommandLine">The arguments as typed.</param>
/// <param name="CreatedUtc">When the run finished.</param>
/// <param name="ModelPath">The model file written (train) or read (evaluate).</param>
/// <param name="Training">The training run; null for evaluate.</param>
/// <param name="Evaluation">The test-set measurement.</param>
internal sealed record ReportInput(
    string Mode,
    string CommandLine,
    DateTimeOffset CreatedUtc,
    string ModelPath,
    TrainingRun? Training,
    DigitEvaluation Evaluation);
