using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Evaluation;

namespace MnistPipeline.Sample.Model;

/// <summary>A test digit the model got wrong.</summary>
/// <param name="Index">Row of the test set (0-based, file order).</param>
/// <param name="TrueLabel">The label in the test set.</param>
/// <param name="PredictedLabel">What the model said.</param>
/// <param name="Probability">The probability the model gave its prediction.</param>
/// <param name="Pixels">The 28 x 28 image, row-major.</param>
internal sealed record MisclassifiedDigit(int Index, string TrueLabel, string PredictedLabel, float Probability, byte[] Pixels);

/// <summary>
/// A model measured on labelled images: ML.NET's multiclass metrics (accuracy, log-loss,
/// confusion matrix) plus the misclassified images, for the console and the report.
/// </summary>
internal sealed class DigitEvaluation
{
    /// <summary>Images kept for the report's grid; the count of all misclassified rows is kept regardless.</summary>
    public const int MaxKeptMisclassified = 100;

    private DigitEvaluation(MulticlassClassificationMetrics metrics, ReliabilityDiagram reliability, int rows, IReadOnlyList<string> classNames,
        IReadOnlyList<MisclassifiedDigit> misclassified, int misclassifiedCount, TimeSpan elapsed)
    {
        Metrics = metrics;
        Reliability = reliability;
        Rows = rows;
        ClassNames = classNames;
        Misclassified = misclassified;
        MisclassifiedCount = misclassifiedCount;
        Elapsed = elapsed;
    }

    public MulticlassClassificationMetrics Metrics { get; }

    /// <summary>Confidence against accuracy in 15 bins, and the expected calibration error.</summary>
    public ReliabilityDiagram Reliability { get; }

    public int Rows { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The first <see cref="MaxKeptMisclassified"/> misclassified rows, in test-set order.</summary>
    public IReadOnlyList<MisclassifiedDigit> Misclassified { get; }

    public int MisclassifiedCount { get; }

    public TimeSpan Elapsed { get; }

    /// <summary>Scores <paramref name="data"/> (columns Label and Image) with <paramref name="model"/> and measures it.</summary>
    public static DigitEvaluation Run(MLContext ml, ITransformer model, IDataView data)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var scored = model.Transform(data);
        var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName: "Label",
            scoreColumnName: DigitModel.ScoreColumn, predictedLabelColumnName: DigitModel.PredictedLabelColumn);
        var reliability = ReliabilityDiagram.ForMulticlass(scored, "Label", DigitModel.ScoreColumn);
        int classCount = metrics.ConfusionMatrix.NumberOfClasses;
        string[] classNames = DigitModel.ClassNamesOf(scored.Schema[DigitModel.PredictedLabelColumn], classCount);

        var kept = new List<MisclassifiedDigit>();
        int rows = 0, wrong = 0;
        foreach (var row in ml.Data.CreateEnumerable<ScoredRow>(scored, reuseRowObject: false))
        {
            if (row.Label != row.PredictedLabel)
            {
                wrong++;
                if (kept.Count < MaxKeptMisclassified)
                {
                    int predicted = (int)row.PredictedLabel - 1;
                    kept.Add(new MisclassifiedDigit(rows, Name(classNames, row.Label), Name(classNames, row.PredictedLabel),
                        predicted >= 0 && predicted < row.Score.Length ? row.Score[predicted] : float.NaN, row.Image));
                }
            }
            rows++;
        }
        return new DigitEvaluation(metrics, reliability, rows, classNames, kept, wrong, clock.Elapsed);
    }

    private static string Name(string[] classNames, uint key) => key >= 1 && key <= classNames.Length ? classNames[key - 1] : "?";

    private sealed class ScoredRow
    {
        public byte[] Image { get; set; } = [];

        public uint Label { get; set; }

        public uint PredictedLabel { get; set; }

        public float[] Score { get; set; } = [];
    }
}
