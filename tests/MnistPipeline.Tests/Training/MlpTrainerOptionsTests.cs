using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

[TestClass]
public sealed class MlpTrainerOptionsTests
{
    private static ArgumentException Construct(Action<MlpTrainer.Options> change)
    {
        var options = new MlpTrainer.Options();
        change(options);
        return Assert.Throws<ArgumentException>(() => new MlpTrainer(new MLContext(1), options));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-3)]
    public void Constructor_HiddenLayerNotPositive_ThrowsNamingTheOption(int units)
    {
        var error = Construct(o => o.HiddenLayers = [64, units]);
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(error);
        Assert.AreEqual("HiddenLayers", error.ParamName);
        StringAssert.Contains(error.Message, "HiddenLayers[1]");
        StringAssert.Contains(error.Message, units.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-0.01)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Constructor_LearningRateNotFinitePositive_ThrowsNamingTheOption(double learningRate)
    {
        var error = Construct(o => o.LearningRate = learningRate);
        Assert.IsInstanceOfType<ArgumentOutOfRangeException>(error);
        Assert.AreEqual("LearningRate", error.ParamName);
        StringAssert.Contains(error.Message, "must be finite and > 0");
    }

    [TestMethod]
    public void Constructor_OtherOptionsOutOfRange_ThrowNamingTheOption()
    {
        Assert.AreEqual("BatchSize", Construct(o => o.BatchSize = 0).ParamName);
        Assert.AreEqual("Epochs", Construct(o => o.Epochs = 0).ParamName);
        Assert.AreEqual("Momentum", Construct(o => o.Momentum = 1).ParamName);
        Assert.AreEqual("Dropout", Construct(o => o.Dropout = 1).ParamName);
        Assert.AreEqual("LabelSmoothing", Construct(o => o.LabelSmoothing = -0.1).ParamName);
        Assert.AreEqual("WeightDecay", Construct(o => o.WeightDecay = double.NaN).ParamName);
        Assert.AreEqual("NumberOfThreads", Construct(o => o.NumberOfThreads = 0).ParamName);
        Assert.AreEqual("LogEveryNSteps", Construct(o => o.LogEveryNSteps = 0).ParamName);
        Assert.AreEqual("Loss", Construct(o => o.Loss = (ClassificationLoss)42).ParamName);
        Assert.AreEqual("FeatureColumnName", Construct(o => o.FeatureColumnName = " ").ParamName);
        Assert.AreEqual("EarlyStoppingPatience", Construct(o => o.EarlyStoppingPatience = 0).ParamName);
    }

    [TestMethod]
    public void Tutorial_Preset_IsTheSeedRecipe()
    {
        var o = MlpTrainer.Options.Tutorial();
        CollectionAssert.AreEqual(new[] { 256, 128 }, o.HiddenLayers);
        Assert.AreEqual(Activation.Relu, o.Activation);
        Assert.AreEqual(WeightInitialization.GlorotUniform, o.WeightInitialization);
        Assert.AreEqual(NetworkOptimizer.Sgd, o.Optimizer);
        Assert.AreEqual(0.01, o.LearningRate);
        Assert.AreEqual(0.0, o.Momentum);
        Assert.AreEqual(LearningRateSchedule.Constant, o.LearningRateSchedule);
        Assert.AreEqual(ClassificationLoss.SquaredError, o.Loss);
        Assert.AreEqual(32, o.BatchSize);
        Assert.AreEqual(10, o.Epochs);
        Assert.IsFalse(o.Shuffle);
        Assert.AreEqual(200, o.LogEveryNSteps);
    }

    [TestMethod]
    public void Recommended_Preset_IsTheDefaultsWithTheMnistBudgetAndFeaturesAsGiven()
    {
        var recommended = MlpTrainer.Options.Recommended();
        var defaults = new MlpTrainer.Options();
        Assert.AreEqual(10, recommended.Epochs);
        Assert.AreEqual(128, recommended.BatchSize);
        Assert.IsFalse(recommended.StandardizeFeatures);
        Assert.IsNull(defaults.Epochs, "automatic");
        Assert.IsNull(defaults.BatchSize, "automatic");
        Assert.IsTrue(defaults.StandardizeFeatures);
        Assert.AreEqual(0.05, recommended.ValidationFraction);
        Assert.IsNull(defaults.ValidationFraction, "automatic");
        string[] differ = [nameof(MlpTrainer.Options.Epochs), nameof(MlpTrainer.Options.BatchSize), nameof(MlpTrainer.Options.StandardizeFeatures),
            nameof(MlpTrainer.Options.ValidationFraction)];
        foreach (var property in typeof(MlpTrainer.Options).GetProperties().Where(p => !differ.Contains(p.Name)))
        {
            object? a = property.GetValue(recommended), b = property.GetValue(defaults);
            if (a is int[] x && b is int[] y)
                CollectionAssert.AreEqual(x, y, property.Name);
            else
                Assert.AreEqual(b, a, property.Name);
        }
    }
}
