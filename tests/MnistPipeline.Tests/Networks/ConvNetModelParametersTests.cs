using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MnistPipeline.Networks;
using MnistPipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Tests.Networks;

[TestClass]
public sealed class ConvNetModelParametersTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>Two channels, a non-square image, stride and padding, batch normalization, dropout: every layout the graph must get right.</summary>
    private static readonly ConvNetLayerSpec[] Everything =
    [
        ConvNetLayerSpec.Convolution(3, kernelSize: 3, padding: 1, batchNormalization: true),
        ConvNetLayerSpec.MaxPooling(2),
        ConvNetLayerSpec.Convolution(4, kernelSize: 2, stride: 2),
        ConvNetLayerSpec.Dropout(0.5),
        ConvNetLayerSpec.MaxPooling(2, stride: 1),
        ConvNetLayerSpec.Dense(6),
        ConvNetLayerSpec.Dropout(0.3),
    ];

    private static readonly ImageShape Image = new(2, 11, 9);

    /// <summary>A module with random weights and batch-norm statistics gathered from a few random batches, in eval mode.</summary>
    private static ConvNetModule TrainedLikeModule(Activation activation, int outputs, int seed)
    {
        torch.manual_seed(seed);
        using var generator = new Generator((ulong)seed);
        var module = new ConvNetModule(Image, Everything, outputs, activation);
        module.Initialize(WeightInitialization.LibTorchDefault, generator);
        module.train();
        using (torch.no_grad())
            for (int i = 0; i < 3; i++)
                module.forward(torch.rand([16, Image.Size], generator: generator) * 2 + i).Dispose();
        module.eval();
        return module;
    }

    [TestMethod]
    public void EvaluationRows_BoundTheWidestLayersOutputs()
    {
        // Default network on 28 × 28: the first feature map, 16 × 26 × 26 floats a row, is the widest.
        using var convnet = new ConvNetModule(new ImageShape(1, 28, 28), new ConvNetTrainer.Options().Layers, 10, Activation.Relu);
        Assert.AreEqual((1L << 22) / (16 * 26 * 26), convnet.EvaluationRows);
        // A feature map wider than the budget allows still gets 32 rows a pass.
        using var wide = new ConvNetModule(new ImageShape(3, 256, 256), [ConvNetLayerSpec.Convolution(64, kernelSize: 3)], 10, Activation.Relu);
        Assert.AreEqual(32, wide.EvaluationRows);
        // A perceptron's widest layer is its input: 784 floats a row.
        using var mlp = new MlpModule(784, [256, 128], 10, Activation.Relu, dropout: 0);
        Assert.AreEqual((1L << 22) / 784, mlp.EvaluationRows);
        using var tiny = new MlpModule(4, [8], 3, Activation.Relu, dropout: 0);
        Assert.AreEqual(8192, tiny.EvaluationRows);
    }

    [TestMethod]
    [DataRow(Activation.Relu)]
    [DataRow(Activation.Tanh)]
    public void ToOnnx_InOnnxRuntime_ScoresAsTheTorchSharpModule(Activation activation)
    {
        using var module = TrainedLikeModule(activation, outputs: 5, seed: 3);
        var network = (ConvNetModelParameters)module.Export(NetworkTask.MulticlassClassification);
        using var session = new InferenceSession(network.ToOnnx());
        var random = new Random(4);
        float worst = 0;
        for (int row = 0; row < 20; row++)
        {
            float[] x = Enumerable.Range(0, Image.Size).Select(_ => (float)(random.NextDouble() * 2 - 0.5)).ToArray();
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(x, [Image.Size]))]);
            float[] score = results.First(r => r.Name == "Score").AsEnumerable<float>().ToArray();
            long predicted = results.First(r => r.Name == "PredictedClass").AsEnumerable<long>().Single();

            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            float[] expected = module.forward(torch.tensor(x, [1, Image.Size])).softmax(1).data<float>().ToArray();
            for (int c = 0; c < expected.Length; c++)
                worst = Math.Max(worst, Math.Abs(expected[c] - score[c]));
            Assert.AreEqual(Array.IndexOf(expected, expected.Max()), (int)predicted, $"row {row}");
        }
        TestContext.WriteLine($"largest difference, ONNX Runtime vs TorchSharp, over 20 x 5 probabilities: {worst:E2}");
        Assert.IsLessThanOrEqualTo(1e-5f, worst);
    }

    [TestMethod]
    public void Export_EverythingLayout_HasTheShapesOfEachLayer()
    {
        using var module = TrainedLikeModule(Activation.Relu, outputs: 5, seed: 1);
        var network = (ConvNetModelParameters)module.Export(NetworkTask.MulticlassClassification);

        Assert.AreEqual(Image, network.InputShape);
        Assert.AreEqual(Image.Size, network.InputSize);
        CollectionAssert.AreEqual(
            new[] { "conv 3@3×3, padding 1 + BN", "max pool 2×2", "conv 4@2×2, stride 2", "max pool 2×2, stride 1" },
            network.FeatureLayers.Select(l => l.ToString()).ToArray());
        CollectionAssert.AreEqual(new[] { new ImageShape(3, 11, 9), new ImageShape(3, 5, 4), new ImageShape(4, 2, 2), new ImageShape(4, 1, 1) },
            network.FeatureLayers.Select(l => l.OutputShape).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 6 }, network.DenseLayers.Select(l => l.InputSize).ToArray());
        long expected = (3 * 2 * 9 + 3 + 2 * 3) + (4 * 3 * 4 + 4) + (4 * 6 + 6) + (6 * 5 + 5);
        Assert.AreEqual(expected, network.ParameterCount);
        Assert.AreEqual(expected, module.parameters().Sum(p => p.numel()), "the module trains exactly the exported parameters");
    }

    [TestMethod]
    [DataRow(NetworkTask.MulticlassClassification, 4, 1.3f, 1f, 0f)]
    [DataRow(NetworkTask.BinaryClassification, 1, 0.7f, 1f, 0f)]
    [DataRow(NetworkTask.Regression, 1, 1f, 12.5f, -1f)]
    public void FromOnnx_ToOnnxOfAnyTask_GivesBackTheSameNetwork(NetworkTask task, int outputs, float temperature, float scale, float offset)
    {
        using var module = TrainedLikeModule(Activation.Relu, outputs, seed: 2);
        var original = (ConvNetModelParameters)module.Export(task).WithHead(temperature, scale, offset);

        var read = (ConvNetModelParameters)NetworkModelParameters.FromOnnx(original.ToOnnx());

        Assert.AreEqual(task, read.Task);
        Assert.AreEqual(temperature, read.Temperature);
        Assert.AreEqual(scale, read.TargetScale);
        Assert.AreEqual(offset, read.TargetOffset);
        Assert.AreEqual(original.ToString(), read.ToString());
        for (int i = 0; i < original.FeatureLayers.Count; i++)
        {
            Assert.AreEqual(original.FeatureLayers[i].InputShape, read.FeatureLayers[i].InputShape, $"feature layer {i}");
            if (original.FeatureLayers[i] is ConvolutionLayer conv)
            {
                var other = (ConvolutionLayer)read.FeatureLayers[i];
                CollectionAssert.AreEqual(conv.Weights.ToArray(), other.Weights.ToArray(), $"feature layer {i} weights");
                CollectionAssert.AreEqual(conv.Bias.ToArray(), other.Bias.ToArray(), $"feature layer {i} bias");
                Assert.AreEqual(conv.Activation, other.Activation);
                if (conv.BatchNormalization is { } norm)
                {
                    CollectionAssert.AreEqual(norm.Mean.ToArray(), other.BatchNormalization!.Mean.ToArray(), $"feature layer {i} running mean");
                    CollectionAssert.AreEqual(norm.Variance.ToArray(), other.BatchNormalization.Variance.ToArray(), $"feature layer {i} running variance");
                    CollectionAssert.AreEqual(norm.Scale.ToArray(), other.BatchNormalization.Scale.ToArray(), $"feature layer {i} scale");
                    Assert.AreEqual(norm.Epsilon, other.BatchNormalization.Epsilon);
                }
            }
        }
        for (int i = 0; i < original.DenseLayers.Count; i++)
            CollectionAssert.AreEqual(original.DenseLayers[i].Weights.ToArray(), read.DenseLayers[i].Weights.ToArray(), $"dense layer {i}");
    }

    [TestMethod]
    public void Load_ExportedOnnxFile_GivesTheNetworkAndMlpLoadRefusesIt()
    {
        using var module = TrainedLikeModule(Activation.Relu, outputs: 3, seed: 5);
        var network = (ConvNetModelParameters)module.Export(NetworkTask.MulticlassClassification);
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"convnet-{Guid.NewGuid():N}.onnx");
        network.ExportOnnx(path);

        var read = ConvNetModelParameters.Load(path);
        Assert.AreEqual(network.ParameterCount, read.ParameterCount);
        var error = Assert.Throws<InvalidDataException>(() => MlpModelParameters.Load(path));
        StringAssert.Contains(error.Message, "not a multilayer perceptron");
    }

    [TestMethod]
    public void Constructor_FeatureLayersThatDoNotChain_ThrowNamingTheLayers()
    {
        var conv = new ConvolutionLayer(new ImageShape(1, 8, 8), 2, 3, 1, 0, new float[18], new float[2], Activation.Relu);
        var pool = new MaxPoolingLayer(new ImageShape(3, 6, 6), 2, 2);
        var dense = new[] { new MlpLayer(27, 2, new float[54], new float[2], null) };
        var error = Assert.Throws<ArgumentException>(() => new ConvNetModelParameters([conv, pool], dense, NetworkTask.MulticlassClassification));
        StringAssert.Contains(error.Message, "Feature layer 1 (max pool 2×2) reads an image of 3×6×6, but layer 0 (conv 2@3×3) gives 2×6×6");
    }

    [TestMethod]
    public void Constructor_DenseLayerThatDoesNotReadTheFlattenedFeatures_ThrowsWithBothSizes()
    {
        var conv = new ConvolutionLayer(new ImageShape(1, 8, 8), 2, 3, 1, 0, new float[18], new float[2], Activation.Relu);
        var dense = new[] { new MlpLayer(70, 2, new float[140], new float[2], null) };
        var error = Assert.Throws<ArgumentException>(() => new ConvNetModelParameters([conv], dense, NetworkTask.MulticlassClassification));
        StringAssert.Contains(error.Message, "Dense layer 0 reads 70 inputs, but the last feature layer (0, conv 2@3×3: 2×6×6) flattened gives 72");
    }

    [TestMethod]
    public void ConvolutionLayer_KernelLargerThanThePaddedImage_ThrowsWithBothSizes()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ConvolutionLayer(new ImageShape(1, 4, 6), 2, 7, 1, 1, new float[2 * 49], new float[2], Activation.Relu));
        StringAssert.Contains(error.Message, "A 7×7 kernel with padding 1 does not fit an input of 4×6 pixels");
    }

    [TestMethod]
    public void ConvolutionLayer_WrongWeightCount_ThrowsWithTheExpectedShape()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new ConvolutionLayer(new ImageShape(3, 8, 8), 2, 3, 1, 0, new float[20], new float[2], Activation.Relu));
        StringAssert.Contains(error.Message, "expected 2x3x3x3 = 54 values, found 20");
    }

    [TestMethod]
    public void BatchNormalization_NegativeVariance_ThrowsNamingTheValue()
    {
        var error = Assert.Throws<ArgumentException>(() => new BatchNormalization([1f, 1f], [0f, 0f], [0f, 0f], [1f, -0.5f], 1e-5f));
        StringAssert.Contains(error.Message, "value 1 is -0.5");
    }
}
