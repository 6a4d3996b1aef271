using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

/// <summary>Continuing a convolutional network's training from given weights: <c>Fit(trainData, modelParameters)</c>.</summary>
[TestClass]
public sealed class ConvNetWarmStartTests
{
    public TestContext TestContext { get; set; } = null!;

    private static ConvNetTrainer.Options Options(int epochs, bool batchNormalization = true) => new()
    {
        Layers =
        [
            ConvNetLayerSpec.Convolution(4, kernelSize: 3, batchNormalization: batchNormalization),
            ConvNetLayerSpec.MaxPooling(2),
            ConvNetLayerSpec.Dense(8),
            ConvNetLayerSpec.Dropout(0.2),
        ],
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 3,
        NumberOfThreads = 1,
    };

    [TestMethod]
    public void Fit_FromParametersOfASavedFile_StartsFromTheSavedWeights()
    {
        var ml = new MLContext(1);
        var data = BarImages.Load(ml, 90);
        using var first = new ConvNetTrainer(ml, Options(3, batchNormalization: false)).Fit(data);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"convnet-warm-{Guid.NewGuid():N}.zip");
        ml.Model.SaveAtomically(first, data.Schema, path);

        // Another context, as another process would have: the weights come from the file only.
        var saved = ConvNetModelParameters.Load(path);
        var barelyMoving = Options(1, batchNormalization: false);
        barelyMoving.LearningRate = 1e-9;
        using var continued = new ConvNetTrainer(new MLContext(2), barelyMoving).Fit(data, saved);

        var expected = (ConvolutionLayer)first.Model.FeatureLayers[0];
        var actual = (ConvolutionLayer)continued.Model.FeatureLayers[0];
        for (int j = 0; j < expected.Weights.Length; j++)
            Assert.AreEqual(expected.Weights.Span[j], actual.Weights.Span[j], 1e-5f, $"convolution weight {j}");
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < first.Model.DenseLayers[i].Weights.Length; j++)
                Assert.AreEqual(first.Model.DenseLayers[i].Weights.Span[j], continued.Model.DenseLayers[i].Weights.Span[j], 1e-5f, $"dense layer {i}, weight {j}");
    }

    [TestMethod]
    public void ModuleFrom_TrainedNetwork_ExportsTheSameValuesIncludingBatchNormStatistics()
    {
        var ml = new MLContext(1);
        using var model = new ConvNetTrainer(ml, Options(2)).Fit(BarImages.Load(ml, 60));
        using var module = ConvNetModule.From(model.Model, Options(1).Layers, Activation.Relu);
        var again = (ConvNetModelParameters)module.Export(NetworkTask.MulticlassClassification);
        var norm = ((ConvolutionLayer)model.Model.FeatureLayers[0]).BatchNormalization!;
        var copied = ((ConvolutionLayer)again.FeatureLayers[0]).BatchNormalization!;
        Assert.AreNotEqual(0f, norm.Mean.Span[0], "training moved the running mean");
        CollectionAssert.AreEqual(norm.Mean.ToArray(), copied.Mean.ToArray());
        CollectionAssert.AreEqual(norm.Variance.ToArray(), copied.Variance.ToArray());
        CollectionAssert.AreEqual(norm.Scale.ToArray(), copied.Scale.ToArray());
        CollectionAssert.AreEqual(model.Model.DenseLayers[1].Bias.ToArray(), again.DenseLayers[1].Bias.ToArray());
    }

    [TestMethod]
    public void Fit_WarmStartWithOtherLayers_ThrowsNamingTheLayer()
    {
        var ml = new MLContext(1);
        var data = BarImages.Load(ml, 30);
        using var model = new ConvNetTrainer(ml, Options(1)).Fit(data);

        var channels = Options(1);
        channels.Layers[0] = ConvNetLayerSpec.Convolution(5, kernelSize: 3, batchNormalization: true);
        var error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, channels).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "feature layer 0 of the given network is conv 4@3×3 + BN, but Layers[0] is conv 5@3×3 + BN");

        var noNorm = Options(1, batchNormalization: false);
        error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, noNorm).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "but Layers[0] is conv 4@3×3.");

        var extra = Options(1);
        extra.Layers = [.. extra.Layers[..2], ConvNetLayerSpec.Convolution(4, 2), .. extra.Layers[2..]];
        error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, extra).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "Layers[2] (conv 4@2×2) has no counterpart: the given network has 2 feature layer(s)");

        var units = Options(1);
        units.Layers[2] = ConvNetLayerSpec.Dense(9);
        error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, units).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "dense layer 0 of the given network has 8 units, but Layers[2] is dense 9");

        var activation = Options(1);
        activation.Activation = Activation.Tanh;
        error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, activation).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "uses Relu, but Activation is Tanh");
    }

    [TestMethod]
    public void Fit_WarmStartOnImagesOfOtherShape_ThrowsNamingBothShapes()
    {
        var ml = new MLContext(1);
        using var model = new ConvNetTrainer(ml, Options(1)).Fit(BarImages.Load(ml, 30));
        var error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, Options(1)).Fit(BarImages.Load(ml, 30, size: 10), model.Model));
        StringAssert.Contains(error.Message, "layer 0 of the given network reads images of 1×8×8, but the feature column 'Features' holds images of 1×10×10");
    }
}
