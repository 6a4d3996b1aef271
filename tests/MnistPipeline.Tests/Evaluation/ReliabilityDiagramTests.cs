using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Evaluation;

namespace MnistPipeline.Tests.Evaluation;

[TestClass]
public sealed class ReliabilityDiagramTests
{
    [TestMethod]
    public void FromPredictions_TwoBins_ExpectedCalibrationErrorIsTheWeightedGap()
    {
        // Bin [0.9, 1]: 10 predictions at 0.95, 8 right (gap 0.15). Bin [0.6, 0.7): 10 at 0.65, 6 right (gap 0.05).
        var predictions = Enumerable.Range(0, 10).Select(i => (0.95, i < 8))
            .Concat(Enumerable.Range(0, 10).Select(i => (0.65, i < 6)));
        var diagram = ReliabilityDiagram.FromPredictions(predictions, binCount: 10);

        Assert.AreEqual(20, diagram.Rows);
        Assert.HasCount(10, diagram.Bins);
        Assert.AreEqual(0.5 * 0.15 + 0.5 * 0.05, diagram.ExpectedCalibrationError, 1e-12);
        Assert.AreEqual(0.15, diagram.MaximumCalibrationError, 1e-12);
        var top = diagram.Bins[9];
        Assert.AreEqual(10, top.Count);
        Assert.AreEqual(0.8, top.Accuracy, 1e-12);
        Assert.AreEqual(0.95, top.MeanConfidence, 1e-12);
        Assert.AreEqual(0, diagram.Bins[0].Count, "empty bins are listed with count 0");
    }

    [TestMethod]
    public void FromPredictions_ConfidenceOne_FallsInTheLastBin()
    {
        var diagram = ReliabilityDiagram.FromPredictions([(1.0, true), (0.0, false)]);
        Assert.AreEqual(1, diagram.Bins[^1].Count);
        Assert.AreEqual(1, diagram.Bins[0].Count);
        Assert.AreEqual(0, diagram.ExpectedCalibrationError, 1e-12);
    }

    [TestMethod]
    public void FromPredictions_NotAProbability_ThrowsNamingTheValue()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ReliabilityDiagram.FromPredictions([(0.5, true), (1.5, true)]));
        StringAssert.Contains(error.Message, "Prediction 1");
        StringAssert.Contains(error.Message, "1.5");
    }

    [TestMethod]
    public void ForMulticlass_ScoredRows_UsesTheLargestScoreAndTheLabelKey()
    {
        var ml = new MLContext(1);
        // LoadFromEnumerable stores a [KeyType] property 0-based: 0 becomes key 1 (Score slot 0).
        var rows = new[]
        {
            new ScoredRow { Label = 0, Score = [0.75f, 0.15f, 0.1f] },   // predicted slot 0, right, confidence 0.75
            new ScoredRow { Label = 1, Score = [0.75f, 0.15f, 0.1f] },   // predicted slot 0, wrong
            new ScoredRow { Label = 2, Score = [0.025f, 0.025f, 0.95f] }, // right, 0.95
        };
        var data = ml.Data.LoadFromEnumerable(rows);
        var diagram = ReliabilityDiagram.ForMulticlass(data, binCount: 10);

        Assert.AreEqual(3, diagram.Rows);
        Assert.AreEqual(2, diagram.Bins[7].Count);
        Assert.AreEqual(0.5, diagram.Bins[7].Accuracy, 1e-9);
        const double expected = (2 * 0.25 + 1 * 0.05) / 3; // bin [0.7, 0.8): confidence 0.75, accuracy 0.5; bin [0.9, 1]: 0.95 and 1
        Assert.AreEqual(expected, diagram.ExpectedCalibrationError, 1e-6);
    }

    [TestMethod]
    public void ForMulticlass_ScoreNotAVector_ThrowsNamingTheColumn()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new ScalarScoreRow { Label = 1, Score = 0.5f } });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ReliabilityDiagram.ForMulticlass(data));
        StringAssert.Contains(error.Message, "'Score'");
    }

    [TestMethod]
    public void ForBinary_ProbabilityBelowHalf_CountsTheFalsePrediction()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new BinaryRow { Label = false, Probability = 0.15f }, // predicted false with 0.85: right
            new BinaryRow { Label = true, Probability = 0.15f },  // wrong
            new BinaryRow { Label = true, Probability = 0.95f },  // right with 0.95
        });
        var diagram = ReliabilityDiagram.ForBinary(data, binCount: 10);
        Assert.AreEqual(2, diagram.Bins[8].Count);
        Assert.AreEqual(1, diagram.Bins[9].Count);
        const double expected = (2 * 0.35 + 0.05) / 3; // bin [0.8, 0.9): confidence 0.85, accuracy 0.5; bin [0.9, 1]: 0.95 and 1
        Assert.AreEqual(expected, diagram.ExpectedCalibrationError, 1e-6);
    }

    private sealed class ScoredRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType(3)]
        public float[] Score { get; set; } = [];
    }

    private sealed class ScalarScoreRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        public float Score { get; set; }
    }

    private sealed class BinaryRow
    {
        public bool Label { get; set; }

        public float Probability { get; set; }
    }
}
