using Microsoft.ML;
using MnistPipeline.Training;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The convolutional network trainers get calibration and augmentation from the shared training
/// path (NetworkFit), as the perceptrons do: a fitted temperature in the head and the summary on
/// the transformer; the augmentation applied to training batches only, repeatable under the seed.
/// </summary>
[TestClass]
public sealed class ConvNetSharedPathTests
{
    private static ConvNetTrainer.Options Small() => new()
    {
        Layers = [ConvNetLayerSpec.Convolution(4, kernelSize: 3), ConvNetLayerSpec.MaxPooling(2), ConvNetLayerSpec.Dense(8)],
        Epochs = 3,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 11,
        NumberOfThreads = 1,
    };

    [TestMethod]
    public void Fit_ConvNet_FitsTheTemperatureOnRowsKeptOutAndPutsItInTheHead()
    {
        var ml = new MLContext(1);
        using var model = new ConvNetTrainer(ml, Small()).Fit(BarImages.Load(ml, 120, noise: 0.9f));

        Assert.IsNotNull(model.Calibration);
        Assert.AreEqual(6, model.Calibration.RowCount, "ConvNetTrainer.Options keeps 5% out: 6 of 120 rows");
        Assert.AreEqual(model.Calibration.Temperature, model.Model.Temperature, "the fitted temperature is the head's");
        if (model.Calibration.Note is null)
            Assert.IsLessThanOrEqualTo(model.Calibration.LogLossBefore, model.Calibration.LogLossAfter, "the fit does not raise the held-out loss");
    }

    [TestMethod]
    public void Fit_ConvNetWithAugmentation_RepeatsUnderTheSeedAndChangesTheWeights()
    {
        var ml = new MLContext(1);
        var data = BarImages.Load(ml, 60);
        var plain = Small();
        var augmented = Small();
        augmented.Augmentation = new ImageAugmentation { MaxShift = 1, MaxRotationDegrees = 10, MaxScale = 0.1 };

        using var a = new ConvNetTrainer(ml, augmented).Fit(data);
        using var b = new ConvNetTrainer(ml, augmented).Fit(data);
        using var c = new ConvNetTrainer(ml, plain).Fit(data);

        CollectionAssert.AreEqual(Weights(a.Model), Weights(b.Model), "same seed, same distortions, same weights");
        CollectionAssert.AreNotEqual(Weights(a.Model), Weights(c.Model), "the augmentation changed what was trained on");
    }

    private static float[] Weights(MnistPipeline.Networks.ConvNetModelParameters model)
        => model.DenseLayers.SelectMany(l => l.Weights.ToArray()).ToArray();
}
