using MnistPipeline.Networks;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The temperature fit on synthetic outputs whose labels are drawn from softmax(outputs / T) with
/// a known T: the fit must find T back (the maximum-likelihood estimate of 20,000 rows is within a
/// few percent of the truth).
/// </summary>
[TestClass]
public sealed class TemperatureCalibrationTests
{
    [TestMethod]
    [DataRow(2.5)]
    [DataRow(0.1)]
    public void Fit_MulticlassLabelsDrawnAtKnownTemperature_FindsThatTemperature(double truth)
    {
        const int rows = 20_000, classes = 5;
        var random = new Random(7);
        var outputs = new float[rows * classes];
        var labels = new long[rows];
        // Outputs on the scale the temperature implies (logits of a sure model: about 3 × T apart).
        for (int i = 0; i < outputs.Length; i++)
            outputs[i] = (float)(Gaussian(random) * 3 * truth);
        for (int r = 0; r < rows; r++)
            labels[r] = Draw(random, outputs.AsSpan(r * classes, classes), truth);

        using var z = torch.tensor(outputs, [rows, classes]);
        using var y = torch.tensor(labels);
        var result = TemperatureCalibration.Fit(z, y, NetworkTask.MulticlassClassification);

        Assert.AreEqual(truth, result.Temperature, 0.04 * truth, "fitted temperature");
        Assert.IsNull(result.Note);
        Assert.IsLessThanOrEqualTo(result.LossBefore, result.LossAfter, "the fit never raises the held-out loss");
    }

    [TestMethod]
    public void Fit_BinaryLabelsDrawnAtKnownTemperature_FindsThatTemperature()
    {
        const int rows = 20_000;
        const double truth = 0.5;
        var random = new Random(8);
        var logits = new float[rows];
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            logits[r] = (float)(Gaussian(random) * 2);
            labels[r] = random.NextDouble() < 1 / (1 + Math.Exp(-logits[r] / truth)) ? 1 : 0;
        }
        using var z = torch.tensor(logits, [rows, 1]);
        using var y = torch.tensor(labels);
        var result = TemperatureCalibration.Fit(z, y, NetworkTask.BinaryClassification);

        Assert.AreEqual(truth, result.Temperature, 0.04 * truth, "fitted temperature");
        Assert.IsLessThan(result.LossBefore, result.LossAfter, "labels drawn at T = 0.5 fit T = 0.5 better than T = 1");
    }

    [TestMethod]
    public void Fit_EveryRowRightByAWideMargin_KeepsTemperatureOneAndSaysWhy()
    {
        // The loss keeps falling as T falls: no finite minimum, and sharpening on that evidence
        // would make the model overconfident on the next mistake.
        var outputs = new float[] { 20, 0, 0, 0, 20, 0, 0, 0, 20, 25, 1, 0 };
        using var z = torch.tensor(outputs, [4, 3]);
        using var y = torch.tensor(new long[] { 0, 1, 2, 0 });
        var result = TemperatureCalibration.Fit(z, y, NetworkTask.MulticlassClassification);

        Assert.AreEqual(1f, result.Temperature);
        Assert.IsNotNull(result.Note);
        StringAssert.Contains(result.Note, "classified right");
    }

    private static long Draw(Random random, ReadOnlySpan<float> logits, double temperature)
    {
        double max = double.NegativeInfinity;
        foreach (float v in logits)
            max = Math.Max(max, v / temperature);
        var weights = new double[logits.Length];
        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
            sum += weights[c] = Math.Exp(logits[c] / temperature - max);
        double u = random.NextDouble() * sum;
        for (int c = 0; c < weights.Length; c++)
        {
            u -= weights[c];
            if (u <= 0)
                return c;
        }
        return weights.Length - 1;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
