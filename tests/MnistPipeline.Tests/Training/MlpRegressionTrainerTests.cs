using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

[TestClass]
public sealed class MlpRegressionTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    private sealed class Row
    {
        public float Target { get; set; }

        [VectorType(3)]
        public float[] Features { get; set; } = new float[3];
    }

    /// <summary>target = offset + scale × (sin(x0) + x1² − x2), plus a little noise.</summary>
    private static IDataView Curve(MLContext ml, int rows, float scale = 1, float offset = 0, int seed = 5)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, rows).Select(_ =>
        {
            var x = new[] { (float)(random.NextDouble() * 4 - 2), (float)(random.NextDouble() * 2 - 1), (float)(random.NextDouble() * 2 - 1) };
            double y = Math.Sin(x[0]) + x[1] * x[1] - x[2] + (random.NextDouble() - 0.5) * 0.05;
            return new Row { Features = x, Target = (float)(offset + scale * y) };
        }).ToList();
        return ml.Data.LoadFromEnumerable(data);
    }

    private static MlpRegressionTrainer.Options Small(RegressionLoss loss = RegressionLoss.SquaredError) => new()
    {
        LabelColumnName = "Target",
        HiddenLayers = [32, 16],
        Loss = loss,
        Epochs = 40,
        BatchSize = 32,
        LearningRate = 0.005,
        Seed = 9,
        NumberOfThreads = 1,
    };

    [TestMethod]
    public void EstimatorContract_MlpRegressionTrainer_PromisedSchemaFitSaveLoadAndRejection()
    {
        var ml = new MLContext(1);
        var valid = Curve(ml, 60);
        var doubleLabel = ml.Transforms.Conversion.ConvertType("Target", outputKind: DataKind.Double).Fit(valid).Transform(valid);
        var options = Small();
        options.Epochs = 2;
        var otherFeatureCount = Blobs.Load(ml, 20, features: 4);
        using var model = EstimatorContract.Check(ml, new MlpRegressionTrainer(ml, options), valid, doubleLabel,
            labelColumn: "Target", invalidScoringInput: otherFeatureCount, scoringColumn: "Features");
    }

    [TestMethod]
    [DataRow(RegressionLoss.SquaredError)]
    [DataRow(RegressionLoss.AbsoluteError)]
    [DataRow(RegressionLoss.Huber)]
    public void Fit_SmoothCurve_EveryLossFitsIt(RegressionLoss loss)
    {
        var ml = new MLContext(1);
        using var model = new MlpRegressionTrainer(ml, Small(loss)).Fit(Curve(ml, 800));
        var metrics = ml.Regression.Evaluate(model.Transform(Curve(ml, 300, seed: 6)), "Target");
        TestContext.WriteLine($"{loss}: R² {metrics.RSquared:F4}, RMSE {metrics.RootMeanSquaredError:F4}");
        Assert.IsGreaterThan(0.9, metrics.RSquared);
    }

    [TestMethod]
    public void Fit_LabelInOtherUnits_SameFitBecauseTargetsAreStandardizedInside()
    {
        // The same curve in units 1,000 times larger and shifted: without standardization the
        // network would start 1,000 times off and its squared loss would swamp Adam's step.
        var ml = new MLContext(1);
        using var plain = new MlpRegressionTrainer(ml, Small()).Fit(Curve(ml, 800));
        using var scaled = new MlpRegressionTrainer(ml, Small()).Fit(Curve(ml, 800, scale: 1000, offset: 50_000));
        var plainMetrics = ml.Regression.Evaluate(plain.Transform(Curve(ml, 300, seed: 6)), "Target");
        var scaledMetrics = ml.Regression.Evaluate(scaled.Transform(Curve(ml, 300, scale: 1000, offset: 50_000, seed: 6)), "Target");

        Assert.AreEqual(plainMetrics.RSquared, scaledMetrics.RSquared, 0.02);
        Assert.AreEqual(plainMetrics.RootMeanSquaredError * 1000, scaledMetrics.RootMeanSquaredError, plainMetrics.RootMeanSquaredError * 1000 * 0.1);
        Assert.AreNotEqual(1f, scaled.Model.TargetScale, "the scale is part of the model");
        Assert.AreEqual(50_000, scaled.Model.TargetOffset, 500, "the offset is the training targets' mean");
    }

    [TestMethod]
    public void Fit_RowsWithNaNLabel_AreSkippedAndCounted()
    {
        var ml = new MLContext(1);
        var rows = ml.Data.CreateEnumerable<Row>(Curve(ml, 100), reuseRowObject: false).ToList();
        rows[3].Target = float.NaN;
        rows[7].Target = float.PositiveInfinity;
        var lines = new List<string>();
        ml.Log += (_, e) => lines.Add(e.RawMessage);
        var options = Small();
        options.Epochs = 1;
        using var model = new MlpRegressionTrainer(ml, options).Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.IsTrue(lines.Any(l => l.Contains("98 training rows", StringComparison.Ordinal) && l.Contains("skipped: 2 with a missing label", StringComparison.Ordinal)),
            string.Join("\n", lines.Where(l => l.Contains("training rows", StringComparison.Ordinal))));
    }

    [TestMethod]
    [TestCategory(UciTables.Category)]
    public void CrossValidate_Diabetes_ExplainsVarianceLikeALinearModel()
    {
        // On this table (442 rows, 10 features) linear models reach R² ≈ 0.48; a small network
        // should not do worse. Evaluated on the table's own 5 folds.
        var ml = new MLContext(1);
        var table = UciTables.Load("diabetes");
        var options = new MlpRegressionTrainer.Options { HiddenLayers = [32], Epochs = 60, BatchSize = 32, LearningRate = 0.002, WeightDecay = 0.01, NumberOfThreads = 1, Seed = 1 };
        var r2 = new List<double>();
        for (int fold = 0; fold < 5; fold++)
        {
            var train = UciTables.View(ml, table, i => table.Folds[i] != fold);
            var test = UciTables.View(ml, table, i => table.Folds[i] == fold);
            var model = ml.Transforms.NormalizeMeanVariance("Features").Append(new MlpRegressionTrainer(ml, options)).Fit(train);
            r2.Add(ml.Regression.Evaluate(model.Transform(test)).RSquared);
            model.Dispose();
        }
        TestContext.WriteLine($"diabetes: R² per fold {string.Join(", ", r2.Select(v => v.ToString("F3")))}; mean {r2.Average():F4}");
        Assert.IsGreaterThan(0.40, r2.Average());
    }
}
