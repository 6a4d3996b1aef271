using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

/// <summary>The convolutional network for the other two tasks: binary classification and regression, on the same core.</summary>
[TestClass]
public sealed class ConvNetTaskTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly ConvNetLayerSpec[] Layers =
    [
        ConvNetLayerSpec.Convolution(6, kernelSize: 3, padding: 1, batchNormalization: true),
        ConvNetLayerSpec.MaxPooling(2),
        ConvNetLayerSpec.Dense(16),
    ];

    [TestMethod]
    public void EstimatorContract_ConvNetBinaryTrainer_PromisedSchemaFitSaveLoadAndRejection()
    {
        var ml = new MLContext(1);
        var valid = ml.Transforms.DropColumns("Label").Fit(BarImages.Load(ml, 60)).Transform(BarImages.Load(ml, 60));
        var floatLabel = ml.Transforms.Conversion.ConvertType("IsHorizontal", outputKind: Microsoft.ML.Data.DataKind.Single).Fit(valid).Transform(valid);
        var options = new ConvNetBinaryTrainer.Options { LabelColumnName = "IsHorizontal", Layers = Layers, Epochs = 3, BatchSize = 16, Seed = 1, NumberOfThreads = 1 };
        using var model = EstimatorContract.Check(ml, new ConvNetBinaryTrainer(ml, options), valid, floatLabel,
            labelColumn: "IsHorizontal", invalidScoringInput: BarImages.Load(ml, 20, size: 6), scoringColumn: "Features");
        Assert.AreEqual(NetworkTask.BinaryClassification, model.Model.Task);
    }

    [TestMethod]
    public void Fit_BinaryBarImages_TellsHorizontalBarsFromTheOthers()
    {
        var ml = new MLContext(1);
        var options = new ConvNetBinaryTrainer.Options { LabelColumnName = "IsHorizontal", Layers = Layers, Epochs = 10, BatchSize = 16, LearningRate = 0.01, Seed = 1, NumberOfThreads = 1 };
        using var model = new ConvNetBinaryTrainer(ml, options).Fit(BarImages.Load(ml, 240));
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(BarImages.Load(ml, 150, seed: 2)), "IsHorizontal");
        TestContext.WriteLine($"binary: accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}");
        Assert.IsGreaterThan(0.9, metrics.Accuracy);
    }

    [TestMethod]
    public void EstimatorContract_ConvNetRegressionTrainer_PromisedSchemaFitSaveLoadAndRejection()
    {
        var ml = new MLContext(1);
        var valid = ml.Transforms.DropColumns("Label").Fit(BarImages.Load(ml, 60)).Transform(BarImages.Load(ml, 60));
        var boolLabel = ml.Transforms.CopyColumns("Position", "IsHorizontal").Fit(valid).Transform(valid);
        var options = new ConvNetRegressionTrainer.Options { LabelColumnName = "Position", Layers = Layers, Epochs = 3, BatchSize = 16, Seed = 1, NumberOfThreads = 1 };
        using var model = EstimatorContract.Check(ml, new ConvNetRegressionTrainer(ml, options), valid, boolLabel,
            labelColumn: "Position", invalidScoringInput: BarImages.Load(ml, 20, size: 6), scoringColumn: "Features");
        Assert.AreEqual(NetworkTask.Regression, model.Model.Task);
    }

    [TestMethod]
    public void Fit_RegressionBarPosition_PredictsWhereTheBarIs()
    {
        var ml = new MLContext(1);
        var options = new ConvNetRegressionTrainer.Options
        {
            LabelColumnName = "Position", Layers = Layers, Epochs = 15, BatchSize = 16, LearningRate = 0.01, Seed = 1, NumberOfThreads = 1,
        };
        using var model = new ConvNetRegressionTrainer(ml, options).Fit(BarImages.Load(ml, 300));
        var metrics = ml.Regression.Evaluate(model.Transform(BarImages.Load(ml, 150, seed: 2)), "Position");
        TestContext.WriteLine($"regression of the bar's position (1..6): R² {metrics.RSquared:F4}, MAE {metrics.MeanAbsoluteError:F3}; target scale {model.Model.TargetScale:F3}, offset {model.Model.TargetOffset:F3}");
        Assert.IsGreaterThan(0.8, metrics.RSquared);
        Assert.AreNotEqual(1f, model.Model.TargetScale, "the label was standardized inside the trainer");
    }

    [TestMethod]
    public void Fit_WarmStartFromAnotherTask_ThrowsNamingBoth()
    {
        var ml = new MLContext(1);
        var data = BarImages.Load(ml, 30);
        var binary = new ConvNetBinaryTrainer.Options { LabelColumnName = "IsHorizontal", Layers = Layers, Epochs = 1, Seed = 1, NumberOfThreads = 1 };
        using var model = new ConvNetBinaryTrainer(ml, binary).Fit(data);
        var regression = new ConvNetRegressionTrainer.Options { LabelColumnName = "Position", Layers = Layers, Epochs = 1, Seed = 1, NumberOfThreads = 1 };
        var error = Assert.Throws<ArgumentException>(() => new ConvNetRegressionTrainer(ml, regression).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "trained for BinaryClassification; this trainer trains for Regression");
    }
}
