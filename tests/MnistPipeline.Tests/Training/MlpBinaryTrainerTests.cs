using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

[TestClass]
public sealed class MlpBinaryTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    private static MlpBinaryTrainer.Options Small(int epochs = 10) => new()
    {
        LabelColumnName = "IsPositive",
        HiddenLayers = [8],
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 4,
        NumberOfThreads = 1,
    };

    /// <summary>Two blobs: class "c1" is the positive class.</summary>
    private static IDataView TwoBlobs(MLContext ml, int rows, int features = 5)
    {
        var data = Blobs.Load(ml, rows, features, classes: 2, seed: 3);
        return ml.Transforms.CustomMapping<NameRow, PositiveRow>((i, o) => o.IsPositive = i.Name == "c1", contractName: null).Fit(data).Transform(data);
    }

    private sealed class NameRow
    {
        public string Name { get; set; } = "";
    }

    private sealed class PositiveRow
    {
        public bool IsPositive { get; set; }
    }

    private sealed class Prediction
    {
        public float Score { get; set; }

        public float Probability { get; set; }

        public bool PredictedLabel { get; set; }
    }

    [TestMethod]
    public void EstimatorContract_MlpBinaryTrainer_PromisedSchemaFitSaveLoadAndRejection()
    {
        var ml = new MLContext(1);
        var valid = ml.Transforms.DropColumns("Label").Fit(TwoBlobs(ml, 60)).Transform(TwoBlobs(ml, 60));
        var keyLabel = ml.Transforms.Conversion.MapValueToKey("IsPositive").Fit(valid).Transform(valid);
        var otherFeatureCount = TwoBlobs(ml, 20, features: 3);
        using var model = EstimatorContract.Check(ml, new MlpBinaryTrainer(ml, Small()), valid, keyLabel,
            labelColumn: "IsPositive", invalidScoringInput: otherFeatureCount, scoringColumn: "Features");
    }

    [TestMethod]
    public void Transform_TwoBlobs_OutputsLikeMlNetBinaryClassifiers()
    {
        var ml = new MLContext(1);
        var data = TwoBlobs(ml, 200);
        using var model = new MlpBinaryTrainer(ml, Small()).Fit(data);
        var scored = model.Transform(data);

        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["Probability"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        var rows = ml.Data.CreateEnumerable<Prediction>(scored, reuseRowObject: false).ToList();
        foreach (var row in rows)
        {
            Assert.IsTrue(row.Probability is >= 0 and <= 1, $"probability {row.Probability}");
            Assert.AreEqual(row.Score > 0, row.PredictedLabel, "the prediction is score > 0");
            Assert.AreEqual(row.Score > 0, row.Probability > 0.5f, "score and probability agree");
        }
        var metrics = ml.BinaryClassification.Evaluate(scored, "IsPositive");
        Assert.IsGreaterThan(0.95, metrics.Accuracy);
        Assert.IsGreaterThan(0.98, metrics.AreaUnderRocCurve);
    }

    [TestMethod]
    public void Options_OutputColumnNames_AreTheColumnsAddedAndSaved()
    {
        var ml = new MLContext(1);
        var data = TwoBlobs(ml, 200);
        var options = Small();
        options.ScoreColumnName = "Margin";
        options.ProbabilityColumnName = "P";
        options.PredictedLabelColumnName = "Guess";
        using var model = new MlpBinaryTrainer(ml, options).Fit(data);
        var scored = model.Transform(data);
        Assert.IsNotNull(scored.Schema.GetColumnOrNull("Margin"));
        Assert.IsNotNull(scored.Schema.GetColumnOrNull("P"));
        Assert.IsNotNull(scored.Schema.GetColumnOrNull("Guess"));
        Assert.IsNull(scored.Schema.GetColumnOrNull("Score"));
        var metrics = ml.BinaryClassification.Evaluate(scored, "IsPositive", scoreColumnName: "Margin", probabilityColumnName: "P", predictedLabelColumnName: "Guess");
        Assert.IsGreaterThan(0.9, metrics.Accuracy);
    }

    [TestMethod]
    public void Options_TwoOutputsWithOneName_ThrowNamingBothOptions()
    {
        var options = Small();
        options.ProbabilityColumnName = "Score";
        var error = Assert.Throws<ArgumentException>(() => new MlpBinaryTrainer(new MLContext(1), options));
        StringAssert.Contains(error.Message, "ScoreColumnName and ProbabilityColumnName both name the column 'Score'");
    }

    [TestMethod]
    public void Fit_LabelNotBoolean_ThrowsWithConversionHint()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.LabelColumnName = "Label";
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpBinaryTrainer(ml, options).Fit(TwoBlobs(ml, 20)));
        StringAssert.Contains(error.Message, "label column 'Label'");
        StringAssert.Contains(error.Message, "expected Boolean");
    }

    [TestMethod]
    [TestCategory(UciTables.Category)]
    public void CrossValidate_BreastCancer_HighAccuracyAndCalibratedEnough()
    {
        var ml = new MLContext(1);
        var data = UciTables.View(ml, UciTables.Load("breast_cancer"));
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
            .Append(new MlpBinaryTrainer(ml, new MlpBinaryTrainer.Options { LabelColumnName = "IsPositive", NumberOfThreads = 1, Epochs = 20, BatchSize = 32 }));

        var folds = ml.BinaryClassification.CrossValidate(data, pipeline, numberOfFolds: 5, labelColumnName: "IsPositive");

        double accuracy = folds.Average(f => f.Metrics.Accuracy);
        double auc = folds.Average(f => f.Metrics.AreaUnderRocCurve);
        double logLoss = folds.Average(f => f.Metrics.LogLoss);
        TestContext.WriteLine($"breast cancer, 5-fold CrossValidate: accuracy {accuracy:F4}, AUC {auc:F4}, log-loss {logLoss:F4}");
        Assert.IsGreaterThan(0.95, accuracy);
        Assert.IsGreaterThan(0.98, auc);
        Assert.IsLessThan(0.3, logLoss, "probabilities are usable as probabilities");
        foreach (var fold in folds)
            (fold.Model as IDisposable)?.Dispose();
    }
}
