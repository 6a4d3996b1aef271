using MnistPipeline.Networks;
using MnistPipeline.Sample.Model;
using MnistPipeline.Training;

namespace MnistPipeline.Sample.Report;

/// <summary>The shape of metrics.json (camelCase in the file). Changing a name changes the file's contract: add, do not rename.</summary>
internal sealed record MetricsDocument(
    int FormatVersion,
    string Tool,
    string Mode,
    string CommandLine,
    DateTimeOffset CreatedUtc,
    string ModelPath,
    TrainingDocument? Training,
    TestDocument Test,
    IReadOnlyList<string> Files)
{
    public const int CurrentFormatVersion = 1;

    public static MetricsDocument From(ReportInput input, IReadOnlyList<string> files) => new(
        CurrentFormatVersion,
        "MnistPipeline.Sample",
        input.Mode,
        input.CommandLine,
        input.CreatedUtc,
        input.ModelPath,
        input.Training is null ? null : TrainingDocument.From(input.Training),
        TestDocument.From(input.Evaluation),
        files);
}

/// <summary>The run's options and per-epoch history.</summary>
internal sealed record TrainingDocument(
    string Preset,
    string Architecture,
    long Parameters,
    int[] HiddenLayers,
    string Activation,
    string Loss,
    string Optimizer,
    double LearningRate,
    double Momentum,
    double WeightDecay,
    string LearningRateSchedule,
    int? BatchSize,
    int? Epochs,
    bool Shuffle,
    string WeightInitialization,
    int Seed,
    int? Threads,
    int TrainRows,
    string Validation,
    double TrainingSeconds,
    IReadOnlyList<EpochDocument> History,
    int EpochsTrained,
    double? ValidationFraction,
    bool StandardizeFeatures,
    string? Augmentation,
    CalibrationDocument? Calibration,
    string Network)
{
    public static TrainingDocument From(TrainingRun run)
    {
        var o = run.Options;
        return new TrainingDocument(run.Preset, run.Architecture, run.Parameters, run.HiddenLayers, run.Activation, run.Loss.ToString(),
            o.Optimizer.ToString(), o.LearningRate, o.Momentum, o.WeightDecay, o.LearningRateSchedule.ToString(), o.BatchSize, o.Epochs,
            o.Shuffle, run.WeightInitialization, run.Seed, o.NumberOfThreads, run.TrainRows, run.Validation,
            Math.Round(run.Elapsed.TotalSeconds, 3), run.History.Select(EpochDocument.From).ToArray(), run.History.Count,
            o.ValidationFraction, (o as MlpTrainerOptionsBase)?.StandardizeFeatures ?? false, o.Augmentation?.ToString(), CalibrationDocument.From(run.Calibration), run.Network);
    }
}

/// <summary>The temperature fitted after training (<see cref="CalibrationSummary"/>); NaN log-losses become null.</summary>
internal sealed record CalibrationDocument(float Temperature, string Rows, long RowCount, double? HeldOutLogLossBefore, double? HeldOutLogLossAfter, string? Note)
{
    public static CalibrationDocument? From(CalibrationSummary? c) => c is null ? null
        : new(c.Temperature, c.Rows, c.RowCount, double.IsNaN(c.LogLossBefore) ? null : c.LogLossBefore,
            double.IsNaN(c.LogLossAfter) ? null : c.LogLossAfter, c.Note);
}

/// <summary>One epoch of <see cref="EpochMetrics"/>.</summary>
internal sealed record EpochDocument(
    int Epoch,
    double TrainingLoss,
    double? TrainingAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    double Seconds)
{
    public static EpochDocument From(EpochMetrics m) => new(m.Epoch, m.TrainingLoss, m.TrainingAccuracy, m.ValidationLoss,
        m.ValidationAccuracy, m.LearningRate, Math.Round(m.Elapsed.TotalSeconds, 3));
}

/// <summary>ML.NET's multiclass metrics on the test images.</summary>
internal sealed record TestDocument(
    int Rows,
    double Accuracy,
    double MacroAccuracy,
    double LogLoss,
    double LogLossReduction,
    int Misclassified,
    IReadOnlyList<string> Classes,
    IReadOnlyList<ClassDocument> PerClass,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix,
    double EvaluationSeconds,
    double ExpectedCalibrationError,
    IReadOnlyList<ReliabilityBinDocument> Reliability)
{
    public static TestDocument From(DigitEvaluation e)
    {
        var m = e.Metrics;
        var counts = m.ConfusionMatrix.Counts;
        var perClass = e.ClassNames.Select((name, i) => new ClassDocument(
            name, (int)counts[i].Sum(), m.ConfusionMatrix.PerClassPrecision[i], m.ConfusionMatrix.PerClassRecall[i], m.PerClassLogLoss[i])).ToArray();
        return new TestDocument(e.Rows, m.MicroAccuracy, m.MacroAccuracy, m.LogLoss, m.LogLossReduction, e.MisclassifiedCount,
            e.ClassNames, perClass, counts.Select(r => (IReadOnlyList<int>)r.Select(c => (int)c).ToArray()).ToArray(),
            Math.Round(e.Elapsed.TotalSeconds, 3), e.Reliability.ExpectedCalibrationError,
            e.Reliability.Bins.Select(b => new ReliabilityBinDocument(b.Lower, b.Upper, b.Count, b.MeanConfidence, b.Accuracy)).ToArray());
    }
}

/// <summary>One class (digit) on the test images.</summary>
internal sealed record ClassDocument(string Label, int Count, double Precision, double Recall, double LogLoss);

/// <summary>One bin of the reliability diagram: predictions whose confidence is in [lower, upper).</summary>
internal sealed record ReliabilityBinDocument(double Lower, double Upper, long Count, double MeanConfidence, double Accuracy);
