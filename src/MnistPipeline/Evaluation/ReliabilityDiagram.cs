using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;

namespace MnistPipeline.Evaluation;

/// <summary>
/// How well a classifier's probabilities match its accuracy: predictions are grouped by their
/// confidence (the probability of the predicted class) into equal-width bins over [0, 1], and each
/// bin's accuracy is set against its mean confidence. A calibrated model is right 90% of the time
/// when it says 0.9. The expected calibration error (ECE, Naeini et al. 2015; Guo et al. 2017) is
/// the mean gap weighted by the rows in each bin; 15 bins by default, as Guo et al.
/// </summary>
/// <example>
/// <code>
/// var scored = model.Transform(testData);
/// var diagram = ReliabilityDiagram.ForMulticlass(scored);
/// Console.WriteLine($"ECE {diagram.ExpectedCalibrationError:F4}");
/// foreach (var bin in diagram.Bins.Where(b => b.Count > 0))
///     Console.WriteLine($"{bin.Lower:F2}-{bin.Upper:F2}: {bin.Count} rows, confidence {bin.MeanConfidence:F3}, accuracy {bin.Accuracy:F3}");
/// </code>
/// </example>
public sealed class ReliabilityDiagram
{
    /// <summary>The number of bins of Guo et al.'s ECE: 15.</summary>
    public const int DefaultBinCount = 15;

    private ReliabilityDiagram(IReadOnlyList<ReliabilityBin> bins, long rows)
    {
        Bins = bins;
        Rows = rows;
        ExpectedCalibrationError = rows == 0 ? 0 : bins.Sum(b => b.Count * b.Gap) / rows;
        MaximumCalibrationError = bins.Where(b => b.Count > 0).Select(b => b.Gap).DefaultIfEmpty(0).Max();
    }

    /// <summary>The bins, lowest confidence first; empty bins included (count 0).</summary>
    public IReadOnlyList<ReliabilityBin> Bins { get; }

    /// <summary>The predictions counted.</summary>
    public long Rows { get; }

    /// <summary>Σ over bins of (rows in the bin ÷ all rows) × |accuracy − mean confidence|; 0 is perfect.</summary>
    public double ExpectedCalibrationError { get; }

    /// <summary>The largest |accuracy − mean confidence| of a non-empty bin.</summary>
    public double MaximumCalibrationError { get; }

    /// <summary>The diagram of predictions given as (confidence in [0, 1], whether the prediction was right).</summary>
    /// <param name="predictions">The confidence of each prediction (probability of the predicted class) and whether it was right.</param>
    /// <param name="binCount">Equal-width bins over [0, 1]; ≥ 1. Default 15.</param>
    /// <exception cref="ArgumentOutOfRangeException">A confidence is not a number in [0, 1], or <paramref name="binCount"/> is below 1.</exception>
    public static ReliabilityDiagram FromPredictions(IEnumerable<(double Confidence, bool Correct)> predictions, int binCount = DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(binCount, 1);
        var counts = new long[binCount];
        var confidence = new double[binCount];
        var correct = new long[binCount];
        long rows = 0;
        foreach (var (c, right) in predictions)
        {
            if (!(c >= 0 && c <= 1))
                throw new ArgumentOutOfRangeException(nameof(predictions), c, $"Prediction {rows}: a confidence must be a probability in [0, 1]; found {c}.");
            int bin = Math.Min(binCount - 1, (int)(c * binCount));
            counts[bin]++;
            confidence[bin] += c;
            correct[bin] += right ? 1 : 0;
            rows++;
        }
        var bins = new ReliabilityBin[binCount];
        for (int b = 0; b < binCount; b++)
        {
            bins[b] = new ReliabilityBin((double)b / binCount, (double)(b + 1) / binCount, counts[b],
                counts[b] == 0 ? 0 : confidence[b] / counts[b], counts[b] == 0 ? 0 : (double)correct[b] / counts[b]);
        }
        return new ReliabilityDiagram(bins, rows);
    }

    /// <summary>
    /// The diagram of a multiclass model's scored data: the confidence of a row is its largest
    /// <c>Score</c> (the probability of the predicted class), right when that slot is the label's
    /// (slot i holds key i + 1, as with <c>MlpTrainer</c> and ML.NET's multiclass trainers). Rows
    /// with a missing label (key 0) are skipped.
    /// </summary>
    /// <param name="scoredData">Data scored by a multiclass model.</param>
    /// <param name="labelColumnName">The key-typed label column. Default "Label".</param>
    /// <param name="scoreColumnName">The score column: a vector of class probabilities. Default "Score".</param>
    /// <param name="binCount">Equal-width bins over [0, 1]; ≥ 1. Default 15.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or a score is not a probability.</exception>
    public static ReliabilityDiagram ForMulticlass(IDataView scoredData, string labelColumnName = DefaultColumnNames.Label,
        string scoreColumnName = DefaultColumnNames.Score, int binCount = DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(scoredData);
        var label = ColumnCheck.Label(scoredData.Schema, labelColumnName, LabelKind.Key, "scored data");
        var score = ColumnCheck.Find(scoredData.Schema, scoreColumnName, "a vector of Single (class probabilities)", "score", "scored data");
        if (score.Type is not VectorDataViewType { ItemType: var item } || item != NumberDataViewType.Single)
            throw ColumnCheck.Mismatch(nameof(scoredData), scoreColumnName, "a vector of Single (class probabilities)", ColumnCheck.Describe(score.Type), "score", "scored data");
        return FromPredictions(MulticlassRows(scoredData, label, score), binCount);
    }

    /// <summary>
    /// The diagram of a binary model's scored data: the confidence of a row is the probability of
    /// the predicted label, max(p, 1 − p), right when that label is the row's (Guo et al.'s top-label
    /// view, so that the bins cover [0.5, 1]).
    /// </summary>
    /// <param name="scoredData">Data scored by a binary classifier.</param>
    /// <param name="labelColumnName">The Boolean label column. Default "Label".</param>
    /// <param name="probabilityColumnName">The probability of true, a Single. Default "Probability".</param>
    /// <param name="binCount">Equal-width bins over [0, 1]; ≥ 1. Default 15.</param>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or a probability is outside [0, 1].</exception>
    public static ReliabilityDiagram ForBinary(IDataView scoredData, string labelColumnName = DefaultColumnNames.Label,
        string probabilityColumnName = DefaultColumnNames.Probability, int binCount = DefaultBinCount)
    {
        ArgumentNullException.ThrowIfNull(scoredData);
        var label = ColumnCheck.Label(scoredData.Schema, labelColumnName, LabelKind.Boolean, "scored data");
        var probability = ColumnCheck.Find(scoredData.Schema, probabilityColumnName, "Single (the probability of true)", "probability", "scored data");
        if (probability.Type != NumberDataViewType.Single)
            throw ColumnCheck.Mismatch(nameof(scoredData), probabilityColumnName, "Single (the probability of true)", ColumnCheck.Describe(probability.Type), "probability", "scored data");
        return FromPredictions(BinaryRows(scoredData, label, probability), binCount);
    }

    private static IEnumerable<(double, bool)> MulticlassRows(IDataView data, DataViewSchema.Column label, DataViewSchema.Column score)
    {
        using var cursor = data.GetRowCursor([label, score]);
        var getLabel = KeyGetter(cursor, label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            ulong key = getLabel();
            if (key == 0)
                continue;
            getScore(ref buffer);
            var values = buffer.DenseValues().ToArray();
            int best = 0;
            for (int i = 1; i < values.Length; i++)
                if (values[i] > values[best])
                    best = i;
            yield return (values[best], (ulong)best + 1 == key);
        }
    }

    private static IEnumerable<(double, bool)> BinaryRows(IDataView data, DataViewSchema.Column label, DataViewSchema.Column probability)
    {
        using var cursor = data.GetRowCursor([label, probability]);
        var getLabel = cursor.GetGetter<bool>(label);
        var getProbability = cursor.GetGetter<float>(probability);
        bool truth = false;
        float p = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref truth);
            getProbability(ref p);
            if (float.IsNaN(p))
                continue;
            bool predicted = p > 0.5f;
            yield return (predicted ? p : 1 - p, predicted == truth);
        }
    }

    private static Func<ulong> KeyGetter(DataViewRowCursor cursor, DataViewSchema.Column label)
    {
        var raw = label.Type.RawType;
        if (raw == typeof(uint)) { var g = cursor.GetGetter<uint>(label); uint v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(ulong)) { var g = cursor.GetGetter<ulong>(label); ulong v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(ushort)) { var g = cursor.GetGetter<ushort>(label); ushort v = 0; return () => { g(ref v); return v; }; }
        if (raw == typeof(byte)) { var g = cursor.GetGetter<byte>(label); byte v = 0; return () => { g(ref v); return v; }; }
        throw new NotSupportedException($"Label column '{label.Name}': key representation {raw.Name} is not supported.");
    }
}

/// <summary>One bin of a <see cref="ReliabilityDiagram"/>.</summary>
/// <param name="Lower">The bin's lowest confidence (inclusive).</param>
/// <param name="Upper">The bin's highest confidence (exclusive; the last bin includes 1).</param>
/// <param name="Count">Predictions whose confidence falls in the bin.</param>
/// <param name="MeanConfidence">Their mean confidence; 0 for an empty bin.</param>
/// <param name="Accuracy">The fraction of them that were right; 0 for an empty bin.</param>
public sealed record ReliabilityBin(double Lower, double Upper, long Count, double MeanConfidence, double Accuracy)
{
    /// <summary>|<see cref="Accuracy"/> − <see cref="MeanConfidence"/>|: how far the bin is from calibrated.</summary>
    public double Gap => Math.Abs(Accuracy - MeanConfidence);
}
