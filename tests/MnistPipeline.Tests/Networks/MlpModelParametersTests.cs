using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Networks;

[TestClass]
public sealed class MlpModelParametersTests
{
    public TestContext TestContext { get; set; } = null!;

    private static MlpModelParameters RandomNetwork(NetworkTask task, int outputs, float temperature = 1, float scale = 1, float offset = 0, int seed = 1)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var layers = new[]
        {
            new MlpLayer(6, 5, Values(30), Values(5), Activation.Tanh),
            new MlpLayer(5, 4, Values(20), Values(4), Activation.Tanh),
            new MlpLayer(4, outputs, Values(4 * outputs), Values(outputs), null),
        };
        return new MlpModelParameters(layers, task, temperature, scale, offset);
    }

    [TestMethod]
    [DataRow(NetworkTask.MulticlassClassification, 3, 1.7f, 1f, 0f)]
    [DataRow(NetworkTask.BinaryClassification, 1, 0.6f, 1f, 0f)]
    [DataRow(NetworkTask.Regression, 1, 1f, 152.5f, -3.25f)]
    public void FromOnnx_ToOnnxOfAnyTask_GivesBackTheSameNetwork(NetworkTask task, int outputs, float temperature, float scale, float offset)
    {
        var original = RandomNetwork(task, outputs, temperature, scale, offset);

        var read = (MlpModelParameters)NetworkModelParameters.FromOnnx(original.ToOnnx());

        Assert.AreEqual(task, read.Task);
        Assert.AreEqual(temperature, read.Temperature);
        Assert.AreEqual(scale, read.TargetScale);
        Assert.AreEqual(offset, read.TargetOffset);
        Assert.HasCount(original.Layers.Count, read.Layers);
        for (int i = 0; i < read.Layers.Count; i++)
        {
            CollectionAssert.AreEqual(original.Layers[i].Weights.ToArray(), read.Layers[i].Weights.ToArray(), $"layer {i} weights");
            CollectionAssert.AreEqual(original.Layers[i].Bias.ToArray(), read.Layers[i].Bias.ToArray(), $"layer {i} bias");
            Assert.AreEqual(original.Layers[i].Activation, read.Layers[i].Activation, $"layer {i} activation");
        }
    }

    [TestMethod]
    [DataRow(NetworkTask.MulticlassClassification, 3)]
    [DataRow(NetworkTask.BinaryClassification, 1)]
    [DataRow(NetworkTask.Regression, 1)]
    public void ToOnnx_InOnnxRuntime_ComputesTheHeadOfItsTask(NetworkTask task, int outputs)
    {
        var network = RandomNetwork(task, outputs, temperature: 1.5f, scale: task == NetworkTask.Regression ? 10 : 1, offset: task == NetworkTask.Regression ? 2 : 0);
        float[] x = [0.1f, -0.4f, 0.9f, 0.3f, -0.7f, 0.05f];

        using var session = new InferenceSession(network.ToOnnx());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(x, [6]))]);
        float[] score = results.First(r => r.Name == "Score").AsEnumerable<float>().ToArray();

        double[] raw = Forward(network, x);
        switch (task)
        {
            case NetworkTask.MulticlassClassification:
                var exp = raw.Select(z => Math.Exp(z / 1.5)).ToArray();
                for (int c = 0; c < outputs; c++)
                    Assert.AreEqual(exp[c] / exp.Sum(), score[c], 1e-5, $"class {c}");
                long predicted = results.First(r => r.Name == "PredictedClass").AsEnumerable<long>().Single();
                Assert.AreEqual(Array.IndexOf(raw, raw.Max()), (int)predicted);
                break;
            case NetworkTask.BinaryClassification:
                Assert.AreEqual(raw[0], score[0], 1e-5, "the score is the logit");
                float probability = results.First(r => r.Name == "Probability").AsEnumerable<float>().Single();
                Assert.AreEqual(1 / (1 + Math.Exp(-raw[0] / 1.5)), probability, 1e-5, "the probability is the tempered sigmoid");
                break;
            default:
                Assert.AreEqual(raw[0] * 10 + 2, score[0], 1e-4, "the prediction is scaled back");
                break;
        }
    }

    [TestMethod]
    public void Load_SavedModelZip_GivesTheFittedTransformersNetwork()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 90);
        using var model = new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [7], Epochs = 3, Seed = 2, NumberOfThreads = 1 }).Fit(data);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"params-{Guid.NewGuid():N}.zip");
        ml.Model.SaveAtomically(model, data.Schema, path);

        var read = MlpModelParameters.Load(path);

        Assert.AreEqual(model.Model.Task, read.Task);
        Assert.HasCount(2, read.Layers);
        for (int i = 0; i < 2; i++)
            CollectionAssert.AreEqual(model.Model.Layers[i].Weights.ToArray(), read.Layers[i].Weights.ToArray(), $"layer {i}");
    }

    [TestMethod]
    public void Load_ExportedOnnxFile_GivesTheNetwork()
    {
        var network = RandomNetwork(NetworkTask.BinaryClassification, 1, temperature: 2);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"params-{Guid.NewGuid():N}.onnx");
        network.ExportOnnx(path);
        var read = MlpModelParameters.Load(path);
        Assert.AreEqual(2f, read.Temperature);
        CollectionAssert.AreEqual(network.Layers[2].Weights.ToArray(), read.Layers[2].Weights.ToArray());
    }

    [TestMethod]
    public void Load_Format1Model_ThrowsSayingItCannotBeTrainedFurther()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Scoring", "Fixtures", "mlp-format1.zip");
        var error = Assert.Throws<InvalidDataException>(() => NetworkModelParameters.Load(path));
        StringAssert.Contains(error.Message, "mlp-format1.zip");
        StringAssert.Contains(error.Message, "format 1");
    }

    [TestMethod]
    public void Load_FileThatIsNotAModel_ThrowsInvalidDataNamingTheFile()
    {
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"garbage-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, [0x0A, 0x05, 0x01, 0x02]);
        var error = Assert.Throws<InvalidDataException>(() => NetworkModelParameters.Load(path));
        StringAssert.Contains(error.Message, path);
    }

    [TestMethod]
    public void Load_ModelWithoutNetwork_ThrowsSayingSo()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 10);
        var normalizer = ml.Transforms.NormalizeMinMax("Features").Fit(data);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"no-network-{Guid.NewGuid():N}.zip");
        ml.Model.Save(normalizer, data.Schema, path);
        var error = Assert.Throws<InvalidDataException>(() => NetworkModelParameters.Load(path));
        StringAssert.Contains(error.Message, "holds no network trained by MnistPipeline");
    }

    [TestMethod]
    public void Constructor_LayersThatDoNotChain_ThrowNamingTheLayer()
    {
        var layers = new[]
        {
            new MlpLayer(4, 5, new float[20], new float[5], Activation.Relu),
            new MlpLayer(6, 3, new float[18], new float[3], null),
        };
        var error = Assert.Throws<ArgumentException>(() => new MlpModelParameters(layers, NetworkTask.MulticlassClassification));
        StringAssert.Contains(error.Message, "Layer 1 reads 6 inputs, but layer 0 gives 5 outputs");
    }

    [TestMethod]
    public void Constructor_OutputSizeThatDoesNotFitTheTask_Throws()
    {
        var layers = new[] { new MlpLayer(4, 3, new float[12], new float[3], null) };
        var error = Assert.Throws<ArgumentException>(() => new MlpModelParameters(layers, NetworkTask.BinaryClassification));
        StringAssert.Contains(error.Message, "exactly 1 output");
    }

    [TestMethod]
    public void MlpLayer_NonFiniteWeight_ThrowsNamingTheValue()
    {
        var error = Assert.Throws<ArgumentException>(() => new MlpLayer(2, 1, [0.5f, float.NaN], [0f], null));
        StringAssert.Contains(error.Message, "value 1 is NaN");
    }

    private static double[] Forward(MlpModelParameters network, float[] input)
    {
        double[] x = input.Select(v => (double)v).ToArray();
        foreach (var layer in network.Layers)
        {
            var w = layer.Weights.Span;
            var b = layer.Bias.Span;
            var y = new double[layer.OutputSize];
            for (int i = 0; i < layer.OutputSize; i++)
            {
                double sum = b[i];
                for (int j = 0; j < layer.InputSize; j++)
                    sum += w[i * layer.InputSize + j] * x[j];
                y[i] = layer.Activation == Activation.Tanh ? Math.Tanh(sum) : sum;
            }
            x = y;
        }
        return x;
    }
}
