using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// Standardization of the features inside the trainer: folded into the first layer, so that the
/// saved model on raw features gives what the trained network gave on standardized ones.
/// </summary>
[TestClass]
public sealed class FeatureStandardizationTests
{
    [TestMethod]
    public void WithInputStandardization_RawFeatures_GiveTheOutputsOfStandardizedOnes()
    {
        var random = new Random(3);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var model = new MlpModelParameters(
            [new MlpLayer(3, 4, Random(12), Random(4), Activation.Relu), new MlpLayer(4, 2, Random(8), Random(2), null)],
            NetworkTask.MulticlassClassification);
        float[] mean = [10, -2, 0.5f], scale = [4, 0.25f, 1];
        var folded = (MlpModelParameters)model.WithInputStandardization(mean, scale);

        using var scope = torch.NewDisposeScope();
        var raw = torch.tensor(new float[] { 12, -2.1f, 0.7f, 6, -1.8f, 0.3f }, [2, 3]);
        var standardized = (raw - torch.tensor(mean)) / torch.tensor(scale);
        using var original = MlpModule.From(model, dropout: 0);
        using var foldedModule = MlpModule.From(folded, dropout: 0);
        var expected = original.forward(standardized);
        var actual = foldedModule.forward(raw);
        Assert.IsLessThan(1e-5, (expected - actual).abs().max().item<float>());
        CollectionAssert.AreEqual(model.Layers[1].Weights.ToArray(), folded.Layers[1].Weights.ToArray(), "only the first layer changes");
    }

    [TestMethod]
    public void Fit_FeaturesFarFromZero_StandardizedTrainingLearnsAndTheModelReadsRawFeatures()
    {
        // Two classes that differ by 0.1 on a feature that sits at 1000: invisible to a network at
        // its initial weights unless standardized.
        var ml = new MLContext(1);
        var random = new Random(2);
        var rows = Enumerable.Range(0, 200).Select(i =>
        {
            bool positive = i % 2 == 0;
            return new Row { Label = positive ? 1u : 0u, Features = [1000 + (positive ? 0.1f : -0.1f) + (float)(random.NextDouble() - 0.5) * 0.1f, (float)random.NextDouble()] };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        MlpTrainer.Options Options(bool standardize) => new() { HiddenLayers = [8], Epochs = 20, BatchSize = 16, Seed = 1, NumberOfThreads = 1, StandardizeFeatures = standardize };

        using var standardized = new MlpTrainer(ml, Options(true)).Fit(data);
        using var asGiven = new MlpTrainer(ml, Options(false)).Fit(data);
        double accuracy = ml.MulticlassClassification.Evaluate(standardized.Transform(data)).MicroAccuracy;
        double asGivenAccuracy = ml.MulticlassClassification.Evaluate(asGiven.Transform(data)).MicroAccuracy;

        Assert.IsGreaterThanOrEqualTo(0.95, accuracy, "standardized, the 0.1 difference is plain to see");
        Assert.IsLessThan(accuracy, asGivenAccuracy, "as given, the offset of 1000 hides it");
    }

    private sealed class Row
    {
        [KeyType(2)]
        public uint Label { get; set; }

        [VectorType(2)]
        public float[] Features { get; set; } = [];
    }
}
