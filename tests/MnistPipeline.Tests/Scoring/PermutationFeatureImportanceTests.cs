using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Scoring;

/// <summary>
/// ML.NET's permutation feature importance runs on the trained networks (the generic overloads,
/// which take an <c>ISingleFeaturePredictionTransformer&lt;TModel&gt;</c>): a pure-noise feature
/// appended to a real table ranks near zero, an informative one high.
/// </summary>
[TestClass]
[TestCategory(UciTables.Category)]
public sealed class PermutationFeatureImportanceTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>One standard-normal noise value per row, seeded.</summary>
    private static Func<int, float[]> Noise(int seed)
    {
        var random = new Random(seed);
        var values = new Dictionary<int, float>();
        return i =>
        {
            if (!values.TryGetValue(i, out float v))
                values[i] = v = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
            return [v];
        };
    }

    [TestMethod]
    public void Multiclass_IrisWithNoise_NoiseNearZeroPetalsHigh()
    {
        var ml = new MLContext(1);
        // 150 rows are few enough for a network to memorize a noise column, so the importance is
        // measured on held-out rows (as it should be): folds 0-1, after training on folds 2-4.
        var table = UciTables.Load("iris");
        var noise = Noise(1);
        var train = UciTables.View(ml, table, i => table.Folds[i] >= 2, noise);
        var heldOut = UciTables.View(ml, table, i => table.Folds[i] < 2, noise);
        var prepare = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features")).Fit(train);
        using var mlp = new MlpTrainer(ml, new MlpTrainer.Options
        {
            HiddenLayers = [16], Epochs = 40, BatchSize = 16, WeightDecay = 0.01, Seed = 2, NumberOfThreads = 1,
            // The recipe this check was written with: every row trains, features as given
            // (standardized, the noise feature gets the petals' scale and some of the weight).
            ValidationFraction = 0, StandardizeFeatures = false,
        })
            .Fit(prepare.Transform(train));

        var importance = ml.MulticlassClassification.PermutationFeatureImportance(mlp, prepare.Transform(heldOut), permutationCount: 10);

        // The deltas are (permuted − original): an important feature lowers the accuracy.
        var drop = importance.Select(m => -m.MicroAccuracy.Mean).ToArray();
        TestContext.WriteLine($"accuracy drop per feature (sepal length, sepal width, petal length, petal width, noise): {string.Join(", ", drop.Select(d => d.ToString("F3")))}");
        Assert.HasCount(5, drop);
        Assert.AreEqual(0, drop[4], 0.03, "the noise feature");
        Assert.IsGreaterThan(0.1, Math.Max(drop[2], drop[3]), "petal length or width");
    }

    [TestMethod]
    public void Binary_BreastCancerWithNoise_NoiseRanksBelowTheInformativeFeatures()
    {
        var ml = new MLContext(1);
        var data = UciTables.View(ml, UciTables.Load("breast_cancer"), extraFeatures: Noise(2));
        var prepare = ml.Transforms.NormalizeMeanVariance("Features").Fit(data);
        var prepared = prepare.Transform(data);
        using var mlp = new MlpBinaryTrainer(ml, new MlpBinaryTrainer.Options { LabelColumnName = "IsPositive", HiddenLayers = [16], Epochs = 20, BatchSize = 32, Seed = 2, NumberOfThreads = 1 }).Fit(prepared);

        var importance = ml.BinaryClassification.PermutationFeatureImportance(mlp, prepared, labelColumnName: "IsPositive", permutationCount: 3);

        // The deltas are (permuted − original): an important feature lowers the accuracy.
        var drop = importance.Select((m, slot) => (Name: slot < 30 ? $"f{slot}" : "noise", Drop: -m.Accuracy.Mean)).ToDictionary(p => p.Name, p => p.Drop);
        var ranked = drop.OrderByDescending(p => p.Value).Select(p => p.Key).ToList();
        TestContext.WriteLine($"accuracy drop, most important first: {string.Join(", ", ranked.Take(5).Select(k => $"{k} {drop[k]:F4}"))}; noise {drop["noise"]:F4} (rank {ranked.IndexOf("noise") + 1} of {ranked.Count})");
        Assert.AreEqual(0, drop["noise"], 0.01, "the noise feature");
        Assert.IsGreaterThan(drop["noise"] + 0.01, drop[ranked[0]], "the most important feature matters more than noise");
    }

    [TestMethod]
    public void Regression_DiabetesWithNoise_NoiseNearZeroBmiHigh()
    {
        var ml = new MLContext(1);
        var data = UciTables.View(ml, UciTables.Load("diabetes"), extraFeatures: Noise(3));
        var prepare = ml.Transforms.NormalizeMeanVariance("Features").Fit(data);
        var prepared = prepare.Transform(data);
        using var mlp = new MlpRegressionTrainer(ml, new MlpRegressionTrainer.Options { HiddenLayers = [16], Epochs = 40, BatchSize = 32, WeightDecay = 0.01, Seed = 2, NumberOfThreads = 1 }).Fit(prepared);

        var importance = ml.Regression.PermutationFeatureImportance(mlp, prepared, permutationCount: 3);

        // RSquared drops when a feature matters: the delta is (permuted − original), negative.
        var drop = importance.Select(m => -m.RSquared.Mean).ToArray();
        TestContext.WriteLine($"R² drop per feature (f0..f9, noise): {string.Join(", ", drop.Select(d => d.ToString("F3")))}");
        Assert.AreEqual(0, drop[10], 0.03, "the noise feature");
        Assert.IsGreaterThan(0.1, drop[2], "body mass index, the table's strongest feature");
    }
}
