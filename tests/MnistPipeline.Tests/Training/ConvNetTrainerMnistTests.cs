using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// LeNet-5 on real MNIST, kept short (the first 10,000 training images, 3 epochs, one thread):
/// the image shape comes from <c>ScalePixels</c>' 28 × 28 column, and the saved .zip scores like
/// the fitted model in a fresh MLContext. The full-MNIST accuracy targets are the bench's
/// (<c>compare --contenders convnet-lenet5,convnet</c>).
/// </summary>
[TestClass]
[TestCategory(RealMnist.Category)]
public sealed class ConvNetTrainerMnistTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LeNet5_RealMnistSubset_LearnsAndReloadsIdentically()
    {
        var ml = new MLContext(1);
        var files = RealMnist.Files;
        var train = ml.Data.TakeRows(ml.Data.LoadMnist(files.TrainImages, files.TrainLabels), 10_000);
        var test = ml.Data.TakeRows(ml.Data.LoadMnist(files.TestImages, files.TestLabels), 2_000);
        var options = ConvNetTrainer.Options.LeNet5();
        options.Epochs = 3;
        options.NumberOfThreads = 1;
        var pipeline = ml.Transforms.ScalePixels("Features", "Image").Append(new ConvNetTrainer(ml, options));

        using var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        TestContext.WriteLine($"LeNet-5, 10,000 training images, 3 epochs: test accuracy {metrics.MicroAccuracy:F4} on 2,000 test images, " +
            $"{model.LastTransformer.TrainingHistory.Sum(m => m.Elapsed.TotalSeconds):F1} s of epochs");
        Assert.AreEqual(new ImageShape(1, 28, 28), model.LastTransformer.Model.InputShape);
        Assert.IsGreaterThanOrEqualTo(0.90, metrics.MicroAccuracy, "a sixth of the data and half the epochs of the preset; the full preset reaches 0.991 (bench)");

        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"lenet5-{Guid.NewGuid():N}.zip");
        ml.Model.SaveAtomically(model, train.Schema, path);
        var fresh = new MLContext();
        var loaded = fresh.Model.LoadChecked(path, out _);
        try
        {
            var reloaded = loaded.Transform(fresh.Data.TakeRows(fresh.Data.LoadMnist(files.TestImages, files.TestLabels), 2_000));
            var expected = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToArray();
            var actual = fresh.Data.CreateEnumerable<Prediction>(reloaded, reuseRowObject: false).ToArray();
            Assert.HasCount(2_000, actual);
            float worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i}");
                for (int c = 0; c < 10; c++)
                    worst = Math.Max(worst, Math.Abs(expected[i].Score[c] - actual[i].Score[c]));
            }
            TestContext.WriteLine($"largest score difference, fitted vs loaded, over 2,000 x 10 scores: {worst:E2}");
            Assert.IsLessThanOrEqualTo(1e-5f, worst);
            Assert.AreEqual(metrics.MicroAccuracy, fresh.MulticlassClassification.Evaluate(reloaded).MicroAccuracy);
            Assert.IsInstanceOfType<ConvNetModelParameters>(NetworkModelParameters.Load(path));
        }
        finally
        {
            (loaded as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void Recommended_RealMnistSubset_AugmentsTheNetworksImagesAndLearns()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith("MnistPipeline", StringComparison.Ordinal)) lock (messages) messages.Add(e.RawMessage); };
        var files = RealMnist.Files;
        var train = ml.Data.TakeRows(ml.Data.LoadMnist(files.TrainImages, files.TrainLabels), 6_000);
        var test = ml.Data.TakeRows(ml.Data.LoadMnist(files.TestImages, files.TestLabels), 2_000);
        var options = ConvNetTrainer.Options.Recommended();
        options.Epochs = 2;
        options.NumberOfThreads = 2;
        options.Seed = 1;

        using var model = ml.Transforms.ScalePixels("Features", "Image").Append(new ConvNetTrainer(ml, options)).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        TestContext.WriteLine($"Recommended(), 6,000 training images, 2 epochs: test accuracy {metrics.MicroAccuracy:F4} on 2,000 test images");

        Assert.IsTrue(messages.Any(m => m.StartsWith("Augmentation of every training batch: 1 x 28 x 28 images; shift ±2 px, rotation ±10°, scale ±10%", StringComparison.Ordinal)),
            string.Join(Environment.NewLine, messages));
        Assert.IsGreaterThanOrEqualTo(0.94, metrics.MicroAccuracy, "a tenth of the data and a third of the epochs of the preset; the full preset reaches 0.993 (bench)");
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
