using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The convolutional network on a real table of images: scikit-learn's digits (1,797 handwritten
/// digits of 8 × 8 pixel counts 0..16, a flat vector of 64 per row, so the image shape comes from
/// the option), and ML.NET's permutation feature importance on it.
/// </summary>
[TestClass]
[TestCategory(UciTables.Category)]
public sealed class ConvNetUciDigitsTests
{
    public TestContext TestContext { get; set; } = null!;

    private static ConvNetTrainer.Options Options() => new()
    {
        Layers =
        [
            ConvNetLayerSpec.Convolution(16, kernelSize: 3, padding: 1, batchNormalization: true),
            ConvNetLayerSpec.MaxPooling(2),
            ConvNetLayerSpec.Dense(32),
            ConvNetLayerSpec.Dropout(0.25),
        ],
        ImageShape = ImageShape.Grayscale(8, 8),
        Epochs = 30,
        BatchSize = 32,
        Seed = 2,
        NumberOfThreads = 1,
    };

    private static (MLContext Ml, IDataView Train, IDataView Test) Digits()
    {
        var ml = new MLContext(1);
        var table = UciTables.Load("digits");
        var scaled = table with { Features = table.Features.Select(r => r.Select(v => v / 16f).ToArray()).ToArray() };
        var train = UciTables.View(ml, scaled, i => table.Folds[i] != 0);
        var test = UciTables.View(ml, scaled, i => table.Folds[i] == 0);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        return (ml, toKey.Transform(train), toKey.Transform(test));
    }

    [TestMethod]
    public void Fit_DigitsFlatVectorWithImageShape_ClassifiesHeldOutDigits()
    {
        var (ml, train, test) = Digits();
        using var model = new ConvNetTrainer(ml, Options()).Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        TestContext.WriteLine($"UCI digits, fold 0 held out: ConvNet test accuracy {accuracy:F4} ({model.Model})");
        Assert.IsGreaterThanOrEqualTo(0.97, accuracy);
    }

    [TestMethod]
    public void PermutationFeatureImportance_Digits_BlankPixelsZeroCentralPixelsHigh()
    {
        var (ml, train, test) = Digits();
        using var model = new ConvNetTrainer(ml, Options()).Fit(train);

        var importance = ml.MulticlassClassification.PermutationFeatureImportance(model, test, permutationCount: 1);

        // The deltas are (permuted − original): an important pixel lowers the accuracy.
        var drop = importance.Select(m => -m.MicroAccuracy.Mean).ToArray();
        var table = UciTables.Load("digits");
        int[] blank = Enumerable.Range(0, 64).Where(j => table.Features.All(r => r[j] == 0)).ToArray();
        int best = Array.IndexOf(drop, drop.Max());
        TestContext.WriteLine($"accuracy drop: largest {drop[best]:F3} at pixel ({best / 8}, {best % 8}); blank pixels {string.Join(", ", blank)}: {string.Join(", ", blank.Select(j => drop[j].ToString("F3")))}");
        Assert.HasCount(64, drop);
        Assert.IsNotEmpty(blank, "the digits table has pixels that are 0 in every image");
        foreach (int j in blank)
            Assert.AreEqual(0, drop[j], 1e-9, $"pixel {j} is 0 everywhere: permuting it changes nothing");
        Assert.IsGreaterThan(0.02, drop[best], "some pixel matters");
        Assert.IsTrue(best / 8 is >= 1 and <= 6 && best % 8 is >= 1 and <= 6, $"the most important pixel ({best / 8}, {best % 8}) is not on the border");
    }
}
