using Microsoft.ML;
using Microsoft.ML.TorchSharp;
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
    public void TextClassificationEstimator_WithTorchSharp0107_ConstructsAndLibTorchStillTrains()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.MulticlassClassification.Trainers.TextClassification(
            labelColumnName: "Label", sentence1ColumnName: "Sentence");
        Assert.IsNotNull(estimator);

        var loaded = typeof(torch).Assembly.GetName().Version!;
        Assert.AreEqual("0.107.0", loaded.ToString(3),
            "the process runs TorchSharp 0.107.0 even though Microsoft.ML.TorchSharp asks for 0.102.7");

        using var scope = torch.NewDisposeScope();
        var linear = torch.nn.Linear(3, 2);
        var loss = linear.forward(torch.ones(4, 3)).sum();
        loss.backward();
        Assert.IsNotNull(linear.weight!.grad);
    }
}
