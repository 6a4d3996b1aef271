using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Tests.Images;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Sample;

/// <summary><c>predict --image</c> on a user's kind of image, with the recommended model trained on real MNIST.</summary>
[TestClass]
[TestCategory(RealMnist.Category)]
public sealed partial class PredictImageMnistTests
{
    [TestMethod]
    public void Predict_64By64DarkZeroOnWhitePng_PredictsZero()
    {
        // The issue's report: a 64 x 64 PNG of a dark "0" on white was refused ("expected 28 x 28").
        // MNIST test digit #3 is a 0: enlarged twice, inverted, placed off-centre in 64 x 64.
        var zero = new MLContext().Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels)
            .GetColumn<byte[]>("Image").Skip(3).First();
        var canvas = Enumerable.Repeat((byte)255, 64 * 64).ToArray();
        for (int y = 0; y < 56; y++)
            for (int x = 0; x < 56; x++)
                canvas[((y + 2) * 64) + x + 7] = (byte)(255 - zero[((y / 2) * 28) + (x / 2)]);
        using var folder = new TempFolder();
        using var bitmap = SyntheticDigits.FromGray(canvas, 64, 64);
        string path = folder.Write("zero.png", SyntheticDigits.Png(bitmap));

        var run = SampleRun.Of("predict", "--model", RealMnistModel.Path, "--image", path);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual("0", Predicted().Match(run.Out).Groups[1].Value, run.Out);
    }

    [GeneratedRegex(@"predicted (\d)  p = ")]
    private static partial Regex Predicted();
}
