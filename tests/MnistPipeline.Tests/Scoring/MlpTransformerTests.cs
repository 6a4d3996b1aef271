using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
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

    [TestMethod]
    public void Score_EqualsForwardPassComputedFromLayers()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 60, features: 6, classes: 4);
        var options = SmallOptions();
        options.HiddenLayers = [10, 7];
        options.Activation = Activation.Tanh;
        using var model = new MlpTrainer(ml, options).Fit(data);

        CollectionAssert.AreEqual(new[] { 6, 10, 7 }, model.Model.Layers.Select(l => l.InputSize).ToArray());
        CollectionAssert.AreEqual(new[] { 10, 7, 4 }, model.Model.Layers.Select(l => l.OutputSize).ToArray());
        Assert.IsNull(model.Model.Layers[^1].Activation, "the last layer outputs logits");

        var inputs = ml.Data.CreateEnumerable<Blobs.Row>(data, reuseRowObject: false).ToArray();
        var scores = ml.Data.CreateEnumerable<ScoredKeyRow>(model.Transform(data), reuseRowObject: false).ToArray();
        for (int r = 0; r < inputs.Length; r++)
        {
            var expected = Forward(model.Model.Layers, inputs[r].Features);
            for (int c = 0; c < 4; c++)
                Assert.AreEqual(expected[c], scores[r].Score[c], 1e-5, $"row {r}, class {c}");
        }
    }

    [TestMethod]
    public void Transform_FeatureVectorOfWrongLength_ThrowsNamingExpectedAndFoundSize()
    {
        var ml = new MLContext(1);
        using var model = new MlpTrainer(ml, SmallOptions()).Fit(Blobs.Load(ml, 60, features: 5));
        var wrong = Blobs.Load(ml, 10, features: 4);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Transform(wrong));
        StringAssert.Contains(error.Message, "feature column 'Features'");
        StringAssert.Contains(error.Message, "expected Vector<Single, 5>, got Vector<Single, 4>");
        var engineError = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Model.CreatePredictionEngine<FourFeatures, ScoredKeyRow>(model));
        StringAssert.Contains(engineError.Message, "got Vector<Single, 4>");
    }

    [TestMethod]
    public void Transform_LoadedModelWithWrongLength_ThrowsOnnxTransformersShapeError()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 60, features: 5);
        using var model = new MlpTrainer(ml, SmallOptions()).Fit(data);
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext().Model.Load(stream, out _);
        // The loaded chain is ML.NET's own: its OnnxTransformer checks the shape.
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => loaded.Transform(Blobs.Load(ml, 10, features: 4)));
        StringAssert.Contains(error.Message, "Input shape mismatch: Input 'Features' has shape 5, but input data is of length 4");
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void ExportOnnx_File_ScoresLikeTheModelInOnnxRuntime()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 60);
        using var model = new MlpTrainer(ml, SmallOptions()).Fit(data);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"{Guid.NewGuid():N}.onnx");
        model.ExportOnnx(path);

        var onnx = ml.Transforms.ApplyOnnxModel(path).Fit(data);
        var expected = ml.Data.CreateEnumerable<ScoredKeyRow>(model.Transform(data), reuseRowObject: false).ToArray();
        var actual = onnx.Transform(data).GetColumn<float[]>("Score").ToArray();
        for (int r = 0; r < expected.Length; r++)
            CollectionAssert.AreEqual(expected[r].Score, actual[r]);
        onnx.Dispose();
    }

    [TestMethod]
    public void Dispose_DeletesTheTemporaryOnnxFile()
    {
        string folder = Path.Combine(TestContext.TestRunResultsDirectory!, $"tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var ml = new MLContext(1) { TempFilePath = folder };
        var model = new MlpTrainer(ml, SmallOptions()).Fit(Blobs.Load(ml, 30));
        Assert.HasCount(1, Directory.GetFiles(folder), "the scoring graph lives in the context's temp folder");
        model.Dispose();
        Assert.IsEmpty(Directory.GetFiles(folder));
        Assert.Throws<ObjectDisposedException>(() => model.Transform(Blobs.Load(ml, 5)));
    }

    private static float[] Forward(IReadOnlyList<MlpLayer> layers, float[] input)
    {
        double[] x = input.Select(v => (double)v).ToArray();
        foreach (var layer in layers)
        {
            var w = layer.Weights.Span;
            var b = layer.Bias.Span;
            var y = new double[layer.OutputSize];
            for (int i = 0; i < layer.OutputSize; i++)
            {
                double sum = b[i];
                for (int j = 0; j < layer.InputSize; j++)
                    sum += w[i * layer.InputSize + j] * x[j];
                y[i] = layer.Activation switch
                {
                    Activation.Relu => Math.Max(0, sum),
                    Activation.Tanh => Math.Tanh(sum),
                    Activation.Sigmoid => 1 / (1 + Math.Exp(-sum)),
                    _ => sum,
                };
            }
            x = y;
        }
        double max = x.Max();
        double[] e = x.Select(v => Math.Exp(v - max)).ToArray();
        double total = e.Sum();
        return e.Select(v => (float)(v / total)).ToArray();
    }

    private sealed class FourFeatures
    {
        [VectorType(4)]
        public float[] Features { get; set; } = new float[4];
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
