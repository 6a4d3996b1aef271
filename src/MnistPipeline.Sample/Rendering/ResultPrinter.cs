using MnistPipeline.Sample.Model;
using static System.FormattableString;

namespace MnistPipeline.Sample.Rendering;

/// <summary>Prints test-set metrics and predictions the same way for every command.</summary>
internal static class ResultPrinter
{
    public static void Metrics(TextWriter output, DigitEvaluation evaluation, bool squaredErrorModel)
    {
        var m = evaluation.Metrics;
        output.WriteLine();
        output.WriteLine(Invariant($"Test set ({evaluation.Rows:N0} images): accuracy {m.MicroAccuracy:F4}, macro accuracy {m.MacroAccuracy:F4}, log-loss {m.LogLoss:F4}, ECE {evaluation.Reliability.ExpectedCalibrationError:F4}, misclassified {evaluation.MisclassifiedCount:N0}"));
        if (squaredErrorModel)
            output.WriteLine("(trained with squared error, as the tutorial: its outputs become probabilities through a softmax with the temperature fitted after training)");
        output.WriteLine("Confusion matrix (rows: true digit, columns: predicted):");
        foreach (string line in ConfusionTable.Format(m.ConfusionMatrix.Counts, evaluation.ClassNames))
            output.WriteLine(line);
    }

    /// <summary>Each image as ASCII art with the prediction, its probability and the runners-up.</summary>
    public static void Predictions(TextWriter output, DigitModel model, IReadOnlyList<(string Name, byte[] Pixels, string? TrueLabel)> images,
        IReadOnlyList<DigitPrediction> predictions)
    {
        var cells = images.Select((image, i) =>
        {
            var p = predictions[i];
            string verdict = image.TrueLabel is null ? "" : image.TrueLabel == p.Label ? " ok" : Invariant($" WRONG, true {image.TrueLabel}");
            var runnersUp = p.Top(3, model.ClassNames).Skip(1).Select(t => Invariant($"{t.Label} {t.Probability:F3}"));
            return (image.Pixels, new[]
            {
                image.Name,
                Invariant($"predicted {p.Label}  p = {p.Probability:F4}{verdict}"),
                "next: " + string.Join(", ", runnersUp),
            });
        }).ToArray();
        foreach (string line in AsciiDigit.Layout(cells))
            output.WriteLine(line);
    }
}
