using System.Globalization;
using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// Long runs must not grow: 20 epochs of training and 100,000 single predictions, each in a child
/// process so that the resident memory measured is the soak's alone (the test host carries every
/// other test's models, data and GC history). Real MNIST, because the soak is about the product's
/// actual workload: 60,000 rows of 784 features (188 MB of tensors), the recommended 256-128
/// network, 469 steps per epoch, and a model with its preprocessing chain for the predictions.
/// </summary>
[TestClass]
[TestCategory("Long")]
[TestCategory(RealMnist.Category)]
public sealed class MemorySoakTests
{
    private const int Epochs = 20;
    private const int WarmUpEpochs = 2;
    private const int Predictions = 100_000;
    private const int SampleEvery = 10_000;
    private const int WarmUpPredictions = 30_000;

    /// <summary>Growth allowed after warm-up, as the issue states it.</summary>
    private const double MaxGrowth = 0.05;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Fit_TwentyEpochsOfRealMnist_ResidentMemoryAndLiveTensorsFlat()
    {
        var files = RealMnist.Files;
        // One libtorch thread: the soak measures memory, not speed, and with 2 threads libtorch's
        // OpenMP workers spin-wait for each other; on 2 cores shared with other processes an
        // epoch then took 20-26 s instead of 1-1.6 s (measured here), which would make the soak's
        // duration unpredictable.
        var run = TestWorker.Run(TimeSpan.FromMinutes(10), "soak-train", files.TrainImages, files.TrainLabels, Epochs.ToString(), "1");
        Assert.IsFalse(run.TimedOut, "the soak did not finish in 10 minutes");
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        var lines = run.StandardOutput.Split('\n').Select(l => l.Trim().Split(' ')).ToArray();
        var epochs = lines.Where(l => l[0] == "epoch").Select(l => (Epoch: int.Parse(l[1]), RssKb: long.Parse(l[3]), Live: long.Parse(l[5]), Seconds: Parse(l[7]), Steps: int.Parse(l[9]))).ToArray();
        var steps = lines.Single(l => l[0] == "steps");
        Assert.HasCount(Epochs, epochs);

        // Warm-up: two epochs (allocator pools, JIT, the optimizer's state; the memory of reading
        // the data is given back during the second).
        long baseline = epochs[WarmUpEpochs - 1].RssKb;
        TestContext.WriteLine($"resident memory per epoch (after a full GC), growth against epoch {WarmUpEpochs} ({baseline / 1024.0:F1} MB):");
        foreach (var e in epochs)
            TestContext.WriteLine($"  epoch {e.Epoch,2}  {e.RssKb / 1024.0,7:F1} MB  {Growth(e.RssKb, baseline),7:P2}  live tensors {e.Live}  {e.Seconds:F2} s");
        long maxLater = epochs.Skip(WarmUpEpochs).Max(e => e.RssKb);
        TestContext.WriteLine($"largest growth after warm-up: {Growth(maxLater, baseline):P2} (limit {MaxGrowth:P0})");
        TestContext.WriteLine($"live tensors, sampled at every one of {steps[1]} steps: after the first epoch min {steps[3]}, max {steps[5]}, first {steps[7]}, last {steps[9]}; first epoch max {steps[11]}");

        Assert.IsLessThan(MaxGrowth, Growth(maxLater, baseline), "resident memory grows after warm-up");
        Assert.AreEqual(steps[3], steps[5], "TorchSharp's live-tensor count is the same at every step after the first epoch");
        Assert.IsLessThanOrEqualTo(long.Parse(steps[11]), long.Parse(steps[5]), "the first epoch (warm-up: buffers per batch size) allocates what the later ones hold");
        // The recommended preset trains on the 95% of the images it does not keep out for calibration.
        int stepsPerEpoch = epochs[0].Steps;
        Assert.IsTrue(epochs.All(e => e.Steps == stepsPerEpoch), "every epoch has the same number of steps");
        Assert.AreEqual((57_000 + 127) / 128, stepsPerEpoch, "an epoch of batch 128 over the 57,000 images that train");
        Assert.AreEqual(stepsPerEpoch * Epochs, int.Parse(steps[1]), "a sample at every step");
        Assert.IsTrue(epochs.All(e => e.Live == epochs[0].Live), "and at every epoch's end");
    }

    [TestMethod]
    public void Predict_HundredThousandSingleRowsOnLoadedModel_ResidentMemoryFlat()
    {
        var files = RealMnist.Files;
        string model = Path.Combine(TestContext.TestRunResultsDirectory!, $"soak-{Guid.NewGuid():N}.zip");
        TrainRealMnistModel(files, model);

        var run = TestWorker.Run(TimeSpan.FromMinutes(10), "soak-predict", model, files.TestImages, files.TestLabels,
            Predictions.ToString(), SampleEvery.ToString());
        Assert.IsFalse(run.TimedOut, "the soak did not finish in 10 minutes");
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        var samples = run.StandardOutput.Split('\n').Select(l => l.Trim().Split(' ')).Where(l => l[0] == "predictions")
            .Select(l => (Count: int.Parse(l[1]), RssKb: long.Parse(l[3]), Seconds: Parse(l[5]))).ToArray();
        Assert.HasCount(Predictions / SampleEvery, samples);

        // Warm-up: the first 30,000 predictions. Measured here: resident memory takes one step of
        // about 3 MB (2.5%) somewhere in the first 10,000-30,000 predictions (earlier without
        // tiered JIT, later with it; ONNX Runtime's arena and the runtime settling), then stays
        // flat to 100,000. The curve is printed from the first sample on.
        int warmUp = WarmUpPredictions / SampleEvery - 1;
        long baseline = samples[warmUp].RssKb;
        TestContext.WriteLine($"resident memory every {SampleEvery:N0} predictions (after a full GC), growth against {WarmUpPredictions:N0} ({baseline / 1024.0:F1} MB):");
        foreach (var s in samples)
            TestContext.WriteLine($"  {s.Count,7:N0}  {s.RssKb / 1024.0,7:F1} MB  {Growth(s.RssKb, baseline),7:P2}  {s.Seconds:F1} s");
        long maxLater = samples.Skip(warmUp + 1).Max(s => s.RssKb);
        TestContext.WriteLine($"largest growth after warm-up: {Growth(maxLater, baseline):P2} (limit {MaxGrowth:P0}); "
            + $"{Predictions / samples[^1].Seconds:N0} predictions/s");
        Assert.IsLessThan(MaxGrowth, Growth(maxLater, baseline), "resident memory grows after warm-up");
    }

    private static void TrainRealMnistModel(MnistFileSet files, string path)
    {
        var ml = new MLContext(1);
        var train = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        var options = MlpTrainer.Options.Recommended();
        options.Epochs = 1;
        options.NumberOfThreads = 1; // see the training soak
        var pipeline = ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
            .Append(new MlpTrainer(ml, options));
        using var model = pipeline.Fit(train);
        ml.Model.Save(model, train.Schema, path);
    }

    private static double Growth(long value, long baseline) => (double)(value - baseline) / baseline;

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
