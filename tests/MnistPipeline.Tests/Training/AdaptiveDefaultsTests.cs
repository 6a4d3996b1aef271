using Microsoft.ML;
using MnistPipeline.Schema;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The defaults that fit any data size: with Epochs and BatchSize unset, a small table trains with
/// a smaller batch, more epochs and early stopping on rows kept out of training; MNIST-sized data
/// gets the recommended values; the presets keep theirs.
/// </summary>
[TestClass]
public sealed class AdaptiveDefaultsTests
{
    [TestMethod]
    public void Budget_SmallTable_SmallerBatchMoreEpochsAndEarlyStopping()
    {
        var budget = TrainingBudget.For(new MlpTrainer.Options(), trainingRows: 128, hasValidationRows: true);

        Assert.AreEqual(TrainingBudget.SmallestAutomaticBatch, budget.BatchSize, "128 rows ÷ 16 steps = 8 rows per batch");
        long steps = (long)budget.Epochs * (128 / budget.BatchSize);
        Assert.IsGreaterThanOrEqualTo(TrainingBudget.MinimumSteps, steps, "enough epochs for the minimum number of steps");
        Assert.IsGreaterThan(100, budget.Epochs);
        Assert.IsNotNull(budget.EarlyStoppingPatience);
        Assert.IsGreaterThanOrEqualTo(TrainingBudget.MinimumPatience, budget.EarlyStoppingPatience!.Value);
        StringAssert.Contains(budget.Description, "batch 8 (automatic");
        StringAssert.Contains(budget.Description, "early stopping after");
    }

    [TestMethod]
    public void Budget_MnistSized_LargestBatchAndTheMinimumEpochs()
    {
        var budget = TrainingBudget.For(new MlpTrainer.Options(), trainingRows: 54_000, hasValidationRows: true);
        Assert.AreEqual(TrainingBudget.LargestAutomaticBatch, budget.BatchSize);
        Assert.AreEqual(TrainingBudget.MinimumEpochs, budget.Epochs);
        Assert.AreEqual(TrainingBudget.MinimumPatience, budget.EarlyStoppingPatience);
    }

    [TestMethod]
    public void Budget_NoValidationRows_NoEarlyStopping()
    {
        var budget = TrainingBudget.For(new MlpTrainer.Options(), trainingRows: 5, hasValidationRows: false);
        Assert.IsNull(budget.EarlyStoppingPatience);
        Assert.AreEqual(TrainingBudget.MaximumEpochs, budget.Epochs, "5 rows: one step per epoch, capped");
        StringAssert.Contains(budget.Description, "no early stopping");
    }

    [TestMethod]
    public void Budget_PresetsOnMnist_KeepTheirValues()
    {
        var tutorial = TrainingBudget.For(MlpTrainer.Options.Tutorial(), trainingRows: 60_000, hasValidationRows: false);
        Assert.AreEqual((10, 32, (int?)null), (tutorial.Epochs, tutorial.BatchSize, tutorial.EarlyStoppingPatience));
        var recommended = TrainingBudget.For(MlpTrainer.Options.Recommended(), trainingRows: 60_000, hasValidationRows: true);
        Assert.AreEqual((10, 128, (int?)null), (recommended.Epochs, recommended.BatchSize, recommended.EarlyStoppingPatience));
        StringAssert.Contains(recommended.Description, "epochs 10 (set)");
    }

    [TestMethod]
    public void ValidationFraction_KeptOutOnlyWhenSomethingNeedsIt()
    {
        var multiclass = TrainingTask.Multiclass(3, ClassificationLoss.CrossEntropy, 0);
        var regression = TrainingTask.Regression(RegressionLoss.SquaredError, 1);
        Assert.AreEqual(ValidationSplit.DefaultFraction, ValidationSplit.FractionFor(new MlpTrainer.Options(), multiclass, false), "defaults: calibration and early stopping");
        Assert.AreEqual(0, ValidationSplit.FractionFor(MlpTrainer.Options.Tutorial(), multiclass, false), "the tutorial trains on every row");
        Assert.AreEqual(0, ValidationSplit.FractionFor(new MlpTrainer.Options(), multiclass, true), "validation data given");
        Assert.AreEqual(0, ValidationSplit.FractionFor(new MlpRegressionTrainer.Options { Epochs = 5 }, regression, false), "a regression with set epochs needs none");
        Assert.AreEqual(ValidationSplit.DefaultFraction, ValidationSplit.FractionFor(new MlpRegressionTrainer.Options(), regression, false), "automatic epochs stop early");
        Assert.AreEqual(0.25, ValidationSplit.FractionFor(new MlpTrainer.Options { ValidationFraction = 0.25 }, multiclass, false));
    }

    [TestMethod]
    public void Split_Stratified_EveryClassKeepsItsShare_DisjointCompleteAndRepeatable()
    {
        var ml = new MLContext(1);
        var view = Blobs.Load(ml, 300, features: 3, classes: 3);
        using var data = TensorDataset.Load(view, "Features", 3, "Label", LabelKind.Key, 3, torch.CPU, default);

        var split = ValidationSplit.Split(data, 0.1, stratify: true, seed: 5)!.Value;
        var again = ValidationSplit.Split(data, 0.1, stratify: true, seed: 5)!.Value;
        var other = ValidationSplit.Split(data, 0.1, stratify: true, seed: 6)!.Value;
        try
        {
            Assert.AreEqual(270, split.Train.Count);
            Assert.AreEqual(30, split.HeldOut.Count);
            var heldOutClasses = split.HeldOut.Labels.data<long>().ToArray();
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(10, heldOutClasses.Count(k => k == c), $"class {c} keeps 10% of its 100 rows out");
            // Rows are identified by their features: every row lands on exactly one side.
            var trainRows = Rows(split.Train);
            var heldOutRows = Rows(split.HeldOut);
            Assert.IsFalse(trainRows.Overlaps(heldOutRows));
            Assert.AreEqual(300, trainRows.Count + heldOutRows.Count);
            Assert.IsTrue(heldOutRows.SetEquals(Rows(again.HeldOut)), "same seed, same split");
            Assert.IsFalse(heldOutRows.SetEquals(Rows(other.HeldOut)), "another seed, another split");
            StringAssert.Contains(split.Description, "30 of the 300 training rows (10%, stratified by class, seeded)");
        }
        finally
        {
            foreach (var part in new[] { split.Train, split.HeldOut, again.Train, again.HeldOut, other.Train, other.HeldOut })
                part.Dispose();
        }
    }

    [TestMethod]
    public void Split_TooFewRows_KeepsNoneOut()
    {
        var ml = new MLContext(1);
        using var data = TensorDataset.Load(Blobs.Load(ml, 4, features: 3, classes: 2), "Features", 3, "Label", LabelKind.Key, 2, torch.CPU, default);
        Assert.IsNull(ValidationSplit.Split(data, 0.1, stratify: true, seed: 1), "10% of 2 rows per class rounds to none");
    }

    [TestMethod]
    public void Fit_DefaultsOnASmallTable_TheLogHeaderShowsEveryChoice()
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith("MnistPipeline", StringComparison.Ordinal)) lines.Add(e.RawMessage); };
        var data = Blobs.Load(ml, 150, features: 4, classes: 3, spread: 0.6f);

        using var model = new MlpTrainer(ml, new MlpTrainer.Options { NumberOfThreads = 1, HiddenLayers = [16] }).Fit(data);

        string log = string.Join("\n", lines);
        var expected = TrainingBudget.For(new MlpTrainer.Options(), trainingRows: 135, hasValidationRows: true);
        StringAssert.Contains(log, "Validation rows: 15 of the 150 training rows (10%, stratified by class, seeded) kept out of training");
        StringAssert.Contains(log, $"batch {expected.BatchSize} (automatic: 135 rows");
        StringAssert.Contains(log, $"epochs {expected.Epochs} (automatic");
        StringAssert.Contains(log, $"early stopping after {expected.EarlyStoppingPatience} epochs without a lower validation loss (automatic");
        StringAssert.Contains(log, "Features standardized on the training rows");
        StringAssert.Contains(log, "Calibration: temperature");
        Assert.IsTrue(model.TrainingHistory.All(m => m.ValidationLoss is not null), "every epoch is measured on the kept-out rows");
        Assert.AreEqual(expected.Epochs, model.TrainingHistory[0].Epochs);
    }

    private static HashSet<string> Rows(TensorDataset data)
    {
        var values = data.Features.data<float>().ToArray();
        int width = (int)data.Features.shape[1];
        return Enumerable.Range(0, (int)data.Count).Select(i => string.Join(",", values.Skip(i * width).Take(width))).ToHashSet();
    }
}
