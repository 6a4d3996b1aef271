using Microsoft.ML;
using Microsoft.ML.TorchSharp;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Platform;

/// <summary>
/// Microsoft.ML.TorchSharp 0.23.1 is compiled against TorchSharp 0.102.7, but only 0.107.0 is
/// served; the library does not use it (README, "Microsoft.ML.TorchSharp"). An application
/// that references both must still restore, construct its estimators and train ours.
/// </summary>
[TestClass]
public sealed class MlNetTorchSharpCoexistenceTests
{
    [TestMethod]
    public void TextClassificationEstimator_WithTorchSharp0107_ConstructsAndMlpTrainerStillTrains()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.MulticlassClassification.Trainers.TextClassification(
            labelColumnName: "Label", sentence1ColumnName: "Sentence");
        Assert.IsNotNull(estimator);

        var loaded = typeof(torch).Assembly.GetName().Version!;
        Assert.AreEqual("0.107.0", loaded.ToString(3),
            "the process runs TorchSharp 0.107.0 even though Microsoft.ML.TorchSharp asks for 0.102.7");

        var data = Blobs.Load(ml, 120);
        // Every row trains on the features as given (the recipe this check was written with).
        var options = new MlpTrainer.Options
        {
            HiddenLayers = [8], Epochs = 10, BatchSize = 16, LearningRate = 0.01, Seed = 1, ValidationFraction = 0, StandardizeFeatures = false,
        };
        using var model = new MlpTrainer(ml, options).Fit(data);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(data));
        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy, "an MnistPipeline network trains next to Microsoft.ML.TorchSharp");
    }
}
