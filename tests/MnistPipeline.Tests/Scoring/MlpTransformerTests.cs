using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestData;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Scoring;

[TestClass]
public sealed class MlpTransformerTests
{
    public TestContext TestContext { get; set; } = null!;

    private static MlpTrainer.Options SmallOptions() => new()
    {
        HiddenLayers = [16],
        Epochs = 20,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 3,
        NumberOfThreads = 1,
    };

    [TestMethod]
    public void Transform_TrainedOnBlobs_AddsProbabilitiesAndLabelKeyedPrediction()
    {
        var ml = new MLContext(seed: 1);
        var data = Blobs.Load(ml, 300);
        using var model = new MlpTrainer(ml, SmallOptions()).Fit(data);

        var scored = model.Transform(data);
        var score = scored.Schema["Score"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        var predicted = scored.Schema["PredictedLabel"];
        Assert.AreEqual(data.Schema["Label"].Type, predicted.Type, "PredictedLabel has the label's key type");
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        predicted.GetKeyValues(ref keyValues);
        var labelValues = default(VBuffer<ReadOnlyMemory<char>>);
        data.Schema["Label"].GetKeyValues(ref labelValues);
        CollectionAssert.AreEqual(labelValues.DenseValues().Select(v => v.ToString()).ToArray(),
            keyValues.DenseValues().Select(v => v.ToString()).ToArray(), "PredictedLabel carries the label's key values");

        var rows = ml.Data.CreateEnumerable<ScoredRow>(
            ml.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel").Fit(scored).Transform(scored),
            reuseRowObject: false).ToArray();
        foreach (var row in rows)
            Assert.AreEqual(1.0, row.Score.Sum(), 1e-5, "softmax probabilities sum to 1");
        double accuracy = rows.Count(r => r.PredictedName == r.Name) / (double)rows.Length;
        Assert.IsGreaterThan(0.95, accuracy, $"separable blobs: accuracy {accuracy}");

        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.AreEqual(accuracy, metrics.MicroAccuracy, 1e-9, "Evaluate agrees with the predicted labels");
    }

    [TestMethod]
    public void SaveAndLoad_FreshContext_SameScoresAndLabels()
    {
        var ml = new MLContext(seed: 1);
        var data = Blobs.Load(ml, 300);
        using var model = new MlpTrainer(ml, SmallOptions()).Fit(data);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, data.Schema, path);

        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out var inputSchema);
        Assert.AreEqual(data.Schema["Features"].Type, inputSchema["Features"].Type);
        var expected = ml.Data.CreateEnumerable<ScoredKeyRow>(model.Transform(data), reuseRowObject: false).ToArray();
        var actual = fresh.Data.CreateEnumerable<ScoredKeyRow>(loaded.Transform(data), reuseRowObject: false).ToArray();
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel);
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(expected[i].Score[c], actual[i].Score[c], 1e-6f);
        }
        (loaded as IDisposable)?.Dispose();
    }

    private sealed class ScoredRow
    {
        public string Name { get; set; } = "";
        public float[] Score { get; set; } = [];
        public string PredictedName { get; set; } = "";
    }

    private sealed class ScoredKeyRow
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }
}
