using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Evaluation;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// Calibration measured on scored multiclass data: the expected calibration error of the scores,
/// and for a network with a fitted temperature T also the log-loss and ECE of its own
/// probabilities (T = 1), recovered exactly from the calibrated scores: softmax(z / T) raised to
/// the power T and renormalized is softmax(z).
/// </summary>
internal static class CalibrationProbe
{
    /// <summary>What <see cref="Measure"/> found; the "AtTemperatureOne" values are null without a temperature.</summary>
    public sealed record Result(double ExpectedCalibrationError, double? LogLossAtTemperatureOne, double? ExpectedCalibrationErrorAtTemperatureOne);

    public static Result Measure(IDataView scored, float? temperature)
    {
        double ece = ReliabilityDiagram.ForMulticlass(scored).ExpectedCalibrationError;
        if (temperature is not float t)
            return new Result(ece, null, null);
        var rows = ReadScores(scored).Select(r => (r.Label, Probabilities: AtTemperatureOne(r.Score, t))).ToArray();
        double logLoss = rows.Average(r => -Math.Log(Math.Max(r.Probabilities[r.Label], 1e-15)));
        double rawEce = ReliabilityDiagram.FromPredictions(rows.Select(r =>
        {
            int best = Array.IndexOf(r.Probabilities, r.Probabilities.Max());
            return (r.Probabilities[best], best == r.Label);
        })).ExpectedCalibrationError;
        return new Result(ece, logLoss, rawEce);
    }

    private static double[] AtTemperatureOne(float[] score, float temperature)
    {
        var logits = score.Select(p => temperature * Math.Log(Math.Max(p, float.Epsilon))).ToArray();
        double max = logits.Max();
        var e = logits.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    private static List<(int Label, float[] Score)> ReadScores(IDataView scored)
    {
        var rows = new List<(int, float[])>();
        var label = scored.Schema["Label"];
        var score = scored.Schema["Score"];
        using var cursor = scored.GetRowCursor([label, score]);
        var getLabel = cursor.GetGetter<uint>(label);
        var getScore = cursor.GetGetter<VBuffer<float>>(score);
        uint key = 0;
        var buffer = default(VBuffer<float>);
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            getScore(ref buffer);
            if (key > 0)
                rows.Add(((int)key - 1, buffer.DenseValues().ToArray()));
        }
        return rows;
    }
}
