using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

/// <summary>Continuing training from given weights: <c>Fit(trainData, modelParameters)</c>, ML.NET's warm-start convention.</summary>
[TestClass]
public sealed class WarmStartTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Plain SGD at a constant rate: so that epochs 1-2 then 3-5 are exactly the updates of epochs 1-5, up to the shuffle order.</summary>
    private static MlpTrainer.Options Sgd(int epochs) => new()
    {
        HiddenLayers = [32],
        Optimizer = NetworkOptimizer.Sgd,
        LearningRate = 0.05,
        LearningRateSchedule = LearningRateSchedule.Constant,
        BatchSize = 32,
        Epochs = epochs,
        // A warm start trains on the features as given (the starting network has its
        // standardization folded in): so must the runs it is compared with. Every row trains,
        // as when the figures in the README were measured.
        StandardizeFeatures = false,
        ValidationFraction = 0,
        Seed = 3,
        NumberOfThreads = 1,
    };

    private static (IDataView Train, IDataView Test) Digits(MLContext ml, float shift = 0)
    {
        var table = UciTables.Load("digits");
        // Pixel counts 0..16, scaled to 0..1 (plus a shift of every feature, to make "other" data).
        var scaled = table with { Features = table.Features.Select(r => r.Select(v => v / 16f + shift).ToArray()).ToArray() };
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label");
        var train = UciTables.View(ml, scaled, i => table.Folds[i] != 0);
        var test = UciTables.View(ml, scaled, i => table.Folds[i] == 0);
        var keyed = toKey.Fit(train);
        return (keyed.Transform(train), keyed.Transform(test));
    }

    private static double Accuracy(MLContext ml, ITransformer model, IDataView test)
        => ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;

    [TestMethod]
    [TestCategory(UciTables.Category)]
    public void Fit_TwoEpochsThenThreeWarmStarted_ReachesTheAccuracyOfFive()
    {
        var ml = new MLContext(1);
        var (train, test) = Digits(ml);
        using var two = new MlpTrainer(ml, Sgd(2)).Fit(train);
        using var five = new MlpTrainer(ml, Sgd(5)).Fit(train);
        using var twoThenThree = new MlpTrainer(ml, Sgd(3)).Fit(train, two.Model);

        double a2 = Accuracy(ml, two, test), a5 = Accuracy(ml, five, test), a23 = Accuracy(ml, twoThenThree, test);
        TestContext.WriteLine($"digits test accuracy: 2 epochs {a2:F4}, 5 epochs {a5:F4}, 2 + 3 warm-started {a23:F4}");
        Assert.IsGreaterThan(a2 + 0.01, a23, "the warm-started epochs improved on the two");
        Assert.AreEqual(a5, a23, 0.015, "2 + 3 epochs land where 5 do");
    }

    [TestMethod]
    [TestCategory(UciTables.Category)]
    public void Fit_WarmStartOnShiftedData_AdaptsTheModel()
    {
        var ml = new MLContext(1);
        var (train, _) = Digits(ml);
        var (shiftedTrain, shiftedTest) = Digits(ml, shift: 0.6f);
        using var original = new MlpTrainer(ml, Sgd(5)).Fit(train);
        using var adapted = new MlpTrainer(ml, Sgd(2)).Fit(shiftedTrain, original.Model);
        using var fresh = new MlpTrainer(ml, Sgd(2)).Fit(shiftedTrain);

        double before = Accuracy(ml, original, shiftedTest), after = Accuracy(ml, adapted, shiftedTest), scratch = Accuracy(ml, fresh, shiftedTest);
        TestContext.WriteLine($"shifted digits: original model {before:F4}; 2 epochs on shifted data warm-started {after:F4}, from scratch {scratch:F4}");
        Assert.IsGreaterThan(before + 0.05, after, "the model adapted to the shift");
        Assert.IsGreaterThan(scratch, after, "and kept what it had learned: better than the same epochs from scratch");
    }

    [TestMethod]
    public void Fit_FromParametersOfASavedFile_StartsFromTheSavedWeights()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 120);
        var options = Sgd(5);
        options.HiddenLayers = [6];
        using var first = new MlpTrainer(ml, options).Fit(data);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"warm-{Guid.NewGuid():N}.zip");
        ml.Model.SaveAtomically(first, data.Schema, path);

        // Another context, as another process would have: the weights come from the file only.
        var later = new MLContext(2);
        var saved = MlpModelParameters.Load(path);
        var barelyMoving = Sgd(1);
        barelyMoving.HiddenLayers = [6];
        barelyMoving.LearningRate = 1e-9;
        using var continued = new MlpTrainer(later, barelyMoving).Fit(data, saved);

        for (int i = 0; i < 2; i++)
        {
            var expected = first.Model.Layers[i].Weights.ToArray();
            var actual = continued.Model.Layers[i].Weights.ToArray();
            for (int j = 0; j < expected.Length; j++)
                Assert.AreEqual(expected[j], actual[j], 1e-5f, $"layer {i}, weight {j}");
        }
    }

    [TestMethod]
    public void Fit_WarmStartWithOtherHiddenLayers_ThrowsNamingTheLayer()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 60);
        var options = Sgd(1);
        options.HiddenLayers = [6];
        using var model = new MlpTrainer(ml, options).Fit(data);
        options.HiddenLayers = [7];
        var error = Assert.Throws<ArgumentException>(() => new MlpTrainer(ml, options).Fit(data, model.Model));
        StringAssert.Contains(error.Message, "layer 0 of the given network has 6 units, but HiddenLayers[0] is 7");
    }

    [TestMethod]
    public void Fit_WarmStartOnDataOfOtherShape_ThrowsNamingTheLayer()
    {
        var ml = new MLContext(1);
        var options = Sgd(1);
        options.HiddenLayers = [6];
        using var model = new MlpTrainer(ml, options).Fit(Blobs.Load(ml, 60));

        var moreFeatures = Assert.Throws<ArgumentException>(() => new MlpTrainer(ml, options).Fit(Blobs.Load(ml, 60, features: 7), model.Model));
        StringAssert.Contains(moreFeatures.Message, "layer 0 of the given network reads 5 features, but the feature column 'Features' has 7");
        var moreClasses = Assert.Throws<ArgumentException>(() => new MlpTrainer(ml, options).Fit(Blobs.Load(ml, 60, classes: 4), model.Model));
        StringAssert.Contains(moreClasses.Message, "layer 1 (the output layer) of the given network gives 3 outputs, but this task needs 4");
    }

    [TestMethod]
    public void Fit_WarmStartFromAnotherTask_Throws()
    {
        var layers = new[] { new MlpLayer(5, 6, new float[30], new float[6], Activation.Relu), new MlpLayer(6, 1, new float[6], new float[1], null) };
        var regression = new MlpModelParameters(layers, NetworkTask.Regression);
        var ml = new MLContext(1);
        var options = new MlpBinaryTrainer.Options { HiddenLayers = [6], Epochs = 1 };
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new BinaryRow { Label = i % 2 == 0 }));
        var error = Assert.Throws<ArgumentException>(() => new MlpBinaryTrainer(ml, options).Fit(data, regression));
        StringAssert.Contains(error.Message, "trained for Regression");
    }

    [TestMethod]
    public void Fit_RegressionWarmStart_KeepsTheStartingModelsTargetScale()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 200).Select(i => new RegressionRow { Features = [i / 200f, (i % 7) / 7f], Target = 100 + i }).ToList();
        var options = new MlpRegressionTrainer.Options { LabelColumnName = "Target", HiddenLayers = [4], Epochs = 2, Seed = 1, NumberOfThreads = 1 };
        using var first = new MlpRegressionTrainer(ml, options).Fit(ml.Data.LoadFromEnumerable(rows));
        var shifted = rows.Select(r => new RegressionRow { Features = r.Features, Target = r.Target + 1000 }).ToList();
        using var continued = new MlpRegressionTrainer(ml, options).Fit(ml.Data.LoadFromEnumerable(shifted), first.Model);
        Assert.AreEqual(first.Model.TargetScale, continued.Model.TargetScale);
        Assert.AreEqual(first.Model.TargetOffset, continued.Model.TargetOffset);
    }

    private sealed class BinaryRow
    {
        public bool Label { get; set; }

        [Microsoft.ML.Data.VectorType(5)]
        public float[] Features { get; set; } = new float[5];
    }

    private sealed class RegressionRow
    {
        public float Target { get; set; }

        [Microsoft.ML.Data.VectorType(2)]
        public float[] Features { get; set; } = new float[2];
    }
}
