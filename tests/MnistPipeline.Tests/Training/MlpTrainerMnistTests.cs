using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The product's claims on real MNIST (60,000 training and 10,000 test images, fetched by
/// <see cref="RealMnist"/>): the tutorial reproduced, the recommended preset beyond it,
/// and a saved model that scores identically in a fresh MLContext.
/// </summary>
[TestClass]
[TestCategory(RealMnist.Category)]
public sealed class MlpTrainerMnistTests
{
    public TestContext TestContext { get; set; } = null!;

    private static (MLContext Ml, IDataView Train, IDataView Test) Load(int seed)
    {
        var ml = new MLContext(seed);
        var files = RealMnist.Files;
        return (ml, ml.Data.LoadMnist(files.TrainImages, files.TrainLabels), ml.Data.LoadMnist(files.TestImages, files.TestLabels));
    }

    private static IEstimator<TransformerChain<MlpTransformer>> Pipeline(MLContext ml, MlpTrainer.Options options) =>
        ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
            .Append(new MlpTrainer(ml, options));

    [TestMethod]
    public void TutorialPreset_RealMnist_ReproducesTheTutorial()
    {
        var (ml, train, test) = Load(seed: 1);
        var options = MlpTrainer.Options.Tutorial();
        options.NumberOfThreads = 2;
        var reports = new List<TrainingProgress>();
        options.ProgressChanged = reports.Add;

        using var model = Pipeline(ml, options).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));

        Assert.HasCount(94, reports, "a line every 200 of 18,750 steps: 0, 200, …, 18,600");
        double lastWindow = reports[^1].Accuracy!.Value;
        TestContext.WriteLine($"tutorial: last-window training accuracy {lastWindow:F4}, test accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
        Assert.IsGreaterThanOrEqualTo(0.965, lastWindow, "training accuracy over the last 200 steps");
        Assert.IsGreaterThanOrEqualTo(0.960, metrics.MicroAccuracy, "test accuracy");
    }

    [TestMethod]
    public void RecommendedPreset_RealMnist_BeatsTheTutorialAndReloadsIdentically()
    {
        var (ml, train, test) = Load(seed: 1);
        var options = MlpTrainer.Options.Recommended();
        options.NumberOfThreads = 2;
        using var model = Pipeline(ml, options).Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        TestContext.WriteLine($"recommended: test accuracy {metrics.MicroAccuracy:F4}, log-loss {metrics.LogLoss:F4}");
        Assert.IsGreaterThanOrEqualTo(0.983, metrics.MicroAccuracy);

        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"mnist-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);
        TestContext.WriteLine($"model .zip: {new FileInfo(path).Length:N0} bytes");

        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out _);
        try
        {
            var reloaded = loaded.Transform(fresh.Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels));
            var expected = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToArray();
            var actual = fresh.Data.CreateEnumerable<Prediction>(reloaded, reuseRowObject: false).ToArray();
            Assert.HasCount(10_000, actual);
            float worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i}");
                for (int c = 0; c < 10; c++)
                    worst = Math.Max(worst, Math.Abs(expected[i].Score[c] - actual[i].Score[c]));
            }
            TestContext.WriteLine($"largest score difference, fitted vs loaded, over 10,000 x 10 scores: {worst:E2}");
            Assert.IsLessThanOrEqualTo(1e-5f, worst, "largest score difference between the fitted and the loaded model");
            Assert.AreEqual(metrics.MicroAccuracy, fresh.MulticlassClassification.Evaluate(reloaded).MicroAccuracy);

            var digits = fresh.Transforms.Conversion.MapKeyToValue("Digit", "PredictedLabel").Fit(reloaded).Transform(reloaded)
                .GetColumn<uint>("Digit").Take(3).ToArray();
            var labels = fresh.Transforms.Conversion.MapKeyToValue("Digit", "Label").Fit(reloaded).Transform(reloaded)
                .GetColumn<uint>("Digit").Take(3).ToArray();
            CollectionAssert.AreEqual(new uint[] { 7, 2, 1 }, labels, "the first test digits are 7, 2, 1");
            CollectionAssert.AreEqual(labels, digits, "MapKeyToValue(PredictedLabel) gives back digits");
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
