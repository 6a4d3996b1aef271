using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MnistPipeline.Sample.Rendering;
using static System.FormattableString;

namespace MnistPipeline.Sample.Report;

/// <summary>
/// Writes the report folder: the plots (PNG), <c>report.md</c> that shows them with all the
/// numbers, and <c>metrics.json</c> with the same numbers and the run's options for machines.
/// </summary>
internal static class ReportWriter
{
    public const string TrainingCurvesFile = "training-curves.png";
    public const string MisclassifiedFile = "misclassified.png";
    public const string ConfusionMatrixFile = "confusion-matrix.png";
    public const string ReliabilityFile = "reliability-diagram.png";
    public const string MarkdownFile = "report.md";
    public const string MetricsFile = "metrics.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the report into <paramref name="folder"/> (created if needed); returns the file names written.</summary>
    public static IReadOnlyList<string> Write(string folder, ReportInput input)
    {
        Directory.CreateDirectory(folder);
        var files = new List<string>();
        var evaluation = input.Evaluation;

        if (input.Training is { History.Count: > 0 } training)
        {
            TrainingCurvesPlot.Save(Path.Combine(folder, TrainingCurvesFile), training.History, training.Validation);
            files.Add(TrainingCurvesFile);
        }
        ConfusionHeatmap.Save(Path.Combine(folder, ConfusionMatrixFile), evaluation.Metrics.ConfusionMatrix.Counts, evaluation.ClassNames, evaluation.Rows);
        files.Add(ConfusionMatrixFile);
        MisclassifiedGrid.Save(Path.Combine(folder, MisclassifiedFile), evaluation.Misclassified, evaluation.MisclassifiedCount, evaluation.Rows);
        files.Add(MisclassifiedFile);
        ReliabilityPlot.Save(Path.Combine(folder, ReliabilityFile), evaluation.Reliability);
        files.Add(ReliabilityFile);

        files.Add(MarkdownFile);
        files.Add(MetricsFile);
        File.WriteAllText(Path.Combine(folder, MarkdownFile), Markdown(input, files));
        File.WriteAllText(Path.Combine(folder, MetricsFile), JsonSerializer.Serialize(MetricsDocument.From(input, files), Json) + "\n");
        return files;
    }

    private static string Markdown(ReportInput input, IReadOnlyList<string> files)
    {
        var e = input.Evaluation;
        var m = e.Metrics;
        var md = new StringBuilder();
        string network = input.Training?.Network is { } kind and not "mlp" ? $"network {kind}" : "MLP";
        md.AppendLine(input.Training is null ? "# MNIST digit classifier: evaluation report" : $"# MNIST {network}: training report").AppendLine();
        md.AppendLine(Invariant($"- Created: {input.CreatedUtc:yyyy-MM-dd HH:mm:ss} UTC"));
        md.AppendLine($"- Command: `{("MnistPipeline.Sample " + input.CommandLine).Trim()}`");
        md.AppendLine(Invariant($"- Model: `{input.ModelPath}`")).AppendLine();

        md.AppendLine("## Test set").AppendLine();
        md.AppendLine("| metric | value |").AppendLine("|---|---|");
        md.AppendLine(Invariant($"| images | {e.Rows:N0} |"));
        md.AppendLine(Invariant($"| accuracy | {m.MicroAccuracy:F4} |"));
        md.AppendLine(Invariant($"| macro accuracy (mean of per-digit recall) | {m.MacroAccuracy:F4} |"));
        md.AppendLine(Invariant($"| log-loss | {m.LogLoss:F4} |"));
        md.AppendLine(Invariant($"| log-loss reduction | {m.LogLossReduction:F4} |"));
        md.AppendLine(Invariant($"| expected calibration error (15 bins) | {e.Reliability.ExpectedCalibrationError:F4} |"));
        md.AppendLine(Invariant($"| misclassified | {e.MisclassifiedCount:N0} |")).AppendLine();
        if (input.Training?.Loss == Training.ClassificationLoss.SquaredError)
        {
            md.AppendLine("The model was trained with squared error against one-hot targets (the tutorial's loss): its raw outputs " +
                          "approach 0 and 1 rather than log-odds, so a softmax of them alone would be nearly flat. The temperature " +
                          "fitted after training (below) turns them into probabilities that match the accuracy.").AppendLine();
        }

        if (input.Training is { } t)
        {
            var o = t.Options;
            md.AppendLine("## Training").AppendLine();
            md.AppendLine("| option | value |").AppendLine("|---|---|");
            md.AppendLine(Invariant($"| preset | {t.Preset} |"));
            md.AppendLine(Invariant($"| network | {t.Architecture} ({t.Activation}), {t.Parameters:N0} parameters, {t.WeightInitialization} initialization |"));
            md.AppendLine(Invariant($"| loss | {SampleCommandLine.Hyphenate(t.Loss.ToString())} |"));
            md.AppendLine(Invariant($"| optimizer | {o.Optimizer}, learning rate {o.LearningRate} ({o.LearningRateSchedule}), momentum {o.Momentum}, weight decay {o.WeightDecay} |"));
            md.AppendLine(Invariant($"| batch size, epochs, shuffle | {o.BatchSize}, {o.Epochs}, {(o.Shuffle ? "yes" : "no")} |"));
            md.AppendLine(Invariant($"| seed, threads | {t.Seed}, {(o.NumberOfThreads is int n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "default")} |"));
            md.AppendLine(Invariant($"| training images | {t.TrainRows:N0} |"));
            md.AppendLine(Invariant($"| validation rows | {t.Validation} |"));
            md.AppendLine(Invariant($"| epochs trained | {t.History.Count} of {(t.History.Count > 0 ? t.History[0].Epochs : 0)} planned |"));
            if (t.Calibration is { } c)
            {
                string fit = double.IsNaN(c.LogLossBefore)
                    ? Invariant($"temperature {c.Temperature:G4} ({c.Note})")
                    : Invariant($"temperature {c.Temperature:G4} fitted on {c.Rows}: their log-loss {c.LogLossBefore:F4} at temperature 1, {c.LogLossAfter:F4} after") + (c.Note is null ? "" : $" ({c.Note})");
                md.AppendLine($"| calibration | {fit} |");
            }
            md.AppendLine(Invariant($"| training time | {t.Elapsed.TotalSeconds:F1} s |")).AppendLine();

            md.AppendLine("| epoch | training loss | training accuracy | validation loss | validation accuracy | learning rate | seconds |");
            md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var h in t.History)
                md.AppendLine(Invariant($"| {h.Epoch} | {h.TrainingLoss:F4} | {h.TrainingAccuracy:F4} | {h.ValidationLoss:F4} | {h.ValidationAccuracy:F4} | {h.LearningRate:G4} | {h.Elapsed.TotalSeconds:F2} |"));
            md.AppendLine();
            md.AppendLine("Training accuracy of an epoch counts each batch before its update, as the tutorial's meter does.").AppendLine();
            if (files.Contains(TrainingCurvesFile))
                md.AppendLine($"![Loss and accuracy per epoch]({TrainingCurvesFile})").AppendLine();
        }

        md.AppendLine("## Calibration").AppendLine();
        md.AppendLine("How far the probabilities can be trusted: test predictions grouped by confidence (the probability of the " +
                      "predicted digit) into 15 bins; a calibrated model is right 90% of the time when it says 0.9. The expected " +
                      "calibration error is the mean gap between confidence and accuracy, weighted by the predictions in each bin.").AppendLine();
        md.AppendLine("| confidence | predictions | mean confidence | accuracy |").AppendLine("|---|---:|---:|---:|");
        foreach (var bin in e.Reliability.Bins.Where(b => b.Count > 0))
            md.AppendLine(Invariant($"| {bin.Lower:F3}–{bin.Upper:F3} | {bin.Count:N0} | {bin.MeanConfidence:F4} | {bin.Accuracy:F4} |"));
        md.AppendLine();
        md.AppendLine($"![Reliability diagram]({ReliabilityFile})").AppendLine();

        md.AppendLine("## Confusion matrix").AppendLine();
        md.AppendLine("Rows: true digit; columns: predicted digit.").AppendLine();
        md.AppendLine("```");
        foreach (string line in ConfusionTable.Format(m.ConfusionMatrix.Counts, e.ClassNames))
            md.AppendLine(line);
        md.AppendLine("```").AppendLine();
        md.AppendLine($"![Confusion matrix]({ConfusionMatrixFile})").AppendLine();

        md.AppendLine("## Misclassified digits").AppendLine();
        md.AppendLine(Invariant($"The first {Math.Min(e.Misclassified.Count, MisclassifiedGrid.MaxDigits)} of {e.MisclassifiedCount:N0}, in test-set order; under each: its index, true → predicted digit, and the probability of the prediction.")).AppendLine();
        md.AppendLine($"![Misclassified test digits]({MisclassifiedFile})").AppendLine();

        md.AppendLine("## Files").AppendLine();
        foreach (string file in files)
            md.AppendLine($"- `{file}`");
        return md.ToString();
    }
}
