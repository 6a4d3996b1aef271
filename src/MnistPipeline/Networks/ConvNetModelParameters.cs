using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// A trained convolutional network: feature layers (<see cref="ConvolutionLayer"/>,
/// <see cref="MaxPoolingLayer"/>) on an image of <see cref="InputShape"/>, then the image
/// flattened (channel by channel, row by row) into fully connected <see cref="DenseLayers"/>; the
/// last dense layer has no activation and gives the raw outputs, which the head of
/// <see cref="NetworkModelParameters.Task"/> turns into scores.
/// </summary>
/// <remarks>
/// The network reads the image as a flat feature vector of <see cref="ImageShape.Size"/> values
/// (<see cref="NetworkModelParameters.InputSize"/>); its ONNX graph reshapes it to [1, C, H, W]
/// and runs <c>Conv</c>, <c>BatchNormalization</c>, <c>Relu</c>, <c>MaxPool</c> and <c>Gemm</c>.
/// Dropout is a training-time layer only and leaves no trace here.
/// </remarks>
/// <example>
/// <code>
/// var model = new ConvNetTrainer(ml, ConvNetTrainer.Options.LeNet5()).Fit(train);
/// ConvNetModelParameters network = model.Model;
/// Console.WriteLine($"{network.InputShape}: {string.Join(", ", network.FeatureLayers)}; {network.ParameterCount:N0} parameters");
/// // later, in another process: continue training a saved model
/// var saved = ConvNetModelParameters.Load("model.zip");
/// var continued = new ConvNetTrainer(ml, ConvNetTrainer.Options.LeNet5()).Fit(moreData, saved);
/// </code>
/// </example>
public sealed class ConvNetModelParameters : NetworkModelParameters
{
    internal const string Kind = "convnet";

    /// <summary>Prefixes of the weight names in the ONNX graph (<c>cnn_f0_w</c>, <c>cnn_dense_w0</c>, …): part of the saved format.</summary>
    private const string FeaturePrefix = "cnn_f";
    private const string DensePrefix = "cnn_dense";

    /// <summary>Creates the parameters of a convolutional network from its layers.</summary>
    /// <param name="featureLayers">The feature layers, input side first; at least one; the first reads an image of the network's input shape, each next one the previous one's output.</param>
    /// <param name="denseLayers">The dense layers: the first reads the last feature layer's output, flattened; every layer but the last has an activation, the last has none.</param>
    /// <param name="task">What the outputs mean.</param>
    /// <param name="temperature">Calibration temperature of a classifier; finite, &gt; 0. Default 1.</param>
    /// <param name="targetScale">Regression: the prediction is <c>output × targetScale + targetOffset</c>. Default 1.</param>
    /// <param name="targetOffset">Regression: see <paramref name="targetScale"/>. Default 0.</param>
    /// <exception cref="ArgumentException">The layers do not chain, or the output size does not fit the task.</exception>
    public ConvNetModelParameters(IEnumerable<ConvNetLayer> featureLayers, IEnumerable<MlpLayer> denseLayers, NetworkTask task,
        float temperature = 1, float targetScale = 1, float targetOffset = 0)
        : this(CheckFeatureLayers(featureLayers), denseLayers, task, temperature, targetScale, targetOffset)
    {
    }

    private ConvNetModelParameters(ConvNetLayer[] featureLayers, IEnumerable<MlpLayer> denseLayers, NetworkTask task,
        float temperature, float targetScale, float targetOffset)
        : this(featureLayers, DenseLayerStack.Check(denseLayers, nameof(denseLayers), featureLayers[^1].OutputShape.Size,
            $"the last feature layer ({featureLayers.Length - 1}, {featureLayers[^1]}: {featureLayers[^1].OutputShape}) flattened"),
            task, temperature, targetScale, targetOffset)
    {
    }

    private ConvNetModelParameters(ConvNetLayer[] featureLayers, MlpLayer[] denseLayers, NetworkTask task,
        float temperature, float targetScale, float targetOffset)
        : base(task, featureLayers[0].InputShape.Size, denseLayers[^1].OutputSize, temperature, targetScale, targetOffset)
    {
        FeatureLayers = featureLayers;
        DenseLayers = denseLayers;
    }

    /// <summary>The image the network reads (its feature vector has <see cref="ImageShape.Size"/> values).</summary>
    public ImageShape InputShape => FeatureLayers[0].InputShape;

    /// <summary>The convolution and pooling layers, input side first.</summary>
    public IReadOnlyList<ConvNetLayer> FeatureLayers { get; }

    /// <summary>The fully connected layers after the flattened features; the last one gives the raw outputs.</summary>
    public IReadOnlyList<MlpLayer> DenseLayers { get; }

    /// <inheritdoc />
    public override long ParameterCount => FeatureLayers.Sum(l => l.ParameterCount) + DenseLayers.Sum(l => l.ParameterCount);

    /// <summary>Reads the parameters of a trained convolutional network from a model .zip or an exported .onnx file (see <see cref="NetworkModelParameters.Load(string)"/>).</summary>
    /// <exception cref="InvalidDataException">The file holds no convolutional network trained by this library, or is damaged.</exception>
    public static new ConvNetModelParameters Load(string path) => NetworkModelParameters.Load(path) as ConvNetModelParameters
        ?? throw new InvalidDataException($"Model file '{path}' holds a network that is not a convolutional network.");

    /// <summary>The architecture in one line, e.g. "1×28×28: conv 6@5×5, padding 2; max pool 2×2; … ; dense 120-84-10".</summary>
    public override string ToString()
        => $"{InputShape}: {string.Join("; ", FeatureLayers)}; dense {string.Join("-", DenseLayers.Select(l => l.OutputSize))}";

    internal override string KindName => Kind;

    internal override string WriteLayers(OnnxGraphBuilder graph, string input)
    {
        var shape = InputShape;
        graph.Initializer("cnn_shape_image", [1, shape.Channels, shape.Height, shape.Width]);
        string current = "cnn_image";
        graph.Node("Reshape", [input, "cnn_shape_image"], [current]);
        for (int i = 0; i < FeatureLayers.Count; i++)
            current = FeatureLayers[i].WriteOnnx(graph, $"{FeaturePrefix}{i}", current);
        graph.Initializer("cnn_shape_flat", [1, FeatureLayers[^1].OutputShape.Size]);
        graph.Node("Reshape", [current, "cnn_shape_flat"], [$"{DensePrefix}_x0"]);
        return DenseLayerStack.Write(graph, DensePrefix, $"{DensePrefix}_x0", DenseLayers);
    }

    internal override JsonArray DescribeLayers()
        => new(FeatureLayers.Select(l => (JsonNode)l.Describe()).Concat(DenseLayers.Select(l => (JsonNode)DenseLayerStack.Describe(l))).ToArray());

    internal override NetworkModelParameters WithHead(float temperature, float targetScale, float targetOffset)
        => new ConvNetModelParameters(FeatureLayers.ToArray(), DenseLayers.ToArray(), Task, temperature, targetScale, targetOffset);

    internal static NetworkModelParameters Read(JsonObject json, OnnxModelReader reader)
    {
        var (task, temperature, scale, offset) = ReadHead(json, reader);
        var described = json["layers"] as JsonArray ?? throw new InvalidDataException("the network description has no layers.");
        var features = new List<ConvNetLayer>();
        var dense = new List<MlpLayer>();
        for (int i = 0; i < described.Count; i++)
        {
            var layer = described[i] as JsonObject ?? throw new InvalidDataException($"layer {i} of the description is not an object.");
            if ((string?)layer["type"] == DenseLayerStack.Type)
                dense.Add(DenseLayerStack.Read(layer, reader, DensePrefix, dense.Count));
            else if (dense.Count > 0)
                throw new InvalidDataException($"layer {i} is a feature layer after a dense layer; a convolutional network has its feature layers first.");
            else
                features.Add(ConvNetLayer.Read(layer, reader, $"{FeaturePrefix}{features.Count}"));
        }
        return new ConvNetModelParameters(features, dense, task, temperature, scale, offset);
    }

    private static ConvNetLayer[] CheckFeatureLayers(IEnumerable<ConvNetLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var array = layers.ToArray();
        if (array.Length == 0)
            throw new ArgumentException("A convolutional network needs at least one feature layer (a convolution or a pooling).", nameof(layers));
        for (int i = 0; i < array.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(array[i], $"{nameof(layers)}[{i}]");
            if (i > 0 && array[i].InputShape != array[i - 1].OutputShape)
                throw new ArgumentException(
                    $"Feature layer {i} ({array[i]}) reads an image of {array[i].InputShape}, but layer {i - 1} ({array[i - 1]}) gives {array[i - 1].OutputShape}.", nameof(layers));
        }
        return array;
    }
}
