using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// A trained multilayer perceptron: fully connected layers, input side first, each
/// <c>activation(W x + b)</c>; the last layer has no activation and gives the raw outputs
/// (logits, or the standardized regression value), which the head of <see cref="NetworkModelParameters.Task"/>
/// turns into scores.
/// </summary>
/// <example>
/// <code>
/// var model = new MlpTrainer(ml, options).Fit(train);
/// MlpModelParameters network = model.Model;
/// Console.WriteLine($"{network.InputSize}-{string.Join("-", network.Layers.Select(l => l.OutputSize))}, {network.ParameterCount:N0} parameters");
/// // later, in another process: continue training a saved model
/// var saved = MlpModelParameters.Load("model.zip");
/// var continued = new MlpTrainer(ml, options).Fit(moreData, saved);
/// </code>
/// </example>
public sealed class MlpModelParameters : NetworkModelParameters
{
    internal const string Kind = "mlp";

    /// <summary>Prefix of the weight names in the ONNX graph (<c>mlp_w0</c>, <c>mlp_b0</c>, …): part of the saved format.</summary>
    private const string OnnxPrefix = "mlp";

    /// <summary>Creates the parameters of a perceptron from its layers.</summary>
    /// <param name="layers">The layers, input side first: each layer's input size is the previous one's output size; every layer but the last has an activation, the last has none.</param>
    /// <param name="task">What the outputs mean.</param>
    /// <param name="temperature">Calibration temperature of a classifier; finite, &gt; 0. Default 1.</param>
    /// <param name="targetScale">Regression: the prediction is <c>output × targetScale + targetOffset</c>. Default 1.</param>
    /// <param name="targetOffset">Regression: see <paramref name="targetScale"/>. Default 0.</param>
    /// <exception cref="ArgumentException">The layers do not chain, or the output size does not fit the task.</exception>
    public MlpModelParameters(IEnumerable<MlpLayer> layers, NetworkTask task, float temperature = 1, float targetScale = 1, float targetOffset = 0)
        : this(CheckLayers(layers), task, temperature, targetScale, targetOffset)
    {
    }

    private MlpModelParameters(MlpLayer[] layers, NetworkTask task, float temperature, float targetScale, float targetOffset)
        : base(task, layers[0].InputSize, layers[^1].OutputSize, temperature, targetScale, targetOffset)
    {
        Layers = layers;
    }

    /// <summary>The layers, input side first; the last one gives the raw outputs.</summary>
    public IReadOnlyList<MlpLayer> Layers { get; }

    /// <summary>Units of each hidden layer (every layer but the last).</summary>
    public IReadOnlyList<int> HiddenLayers => Layers.Take(Layers.Count - 1).Select(l => l.OutputSize).ToArray();

    /// <inheritdoc />
    public override long ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>Reads the parameters of a trained perceptron from a model .zip or an exported .onnx file (see <see cref="NetworkModelParameters.Load(string)"/>).</summary>
    /// <exception cref="InvalidDataException">The file holds no perceptron trained by this library, or is damaged.</exception>
    public static new MlpModelParameters Load(string path) => NetworkModelParameters.Load(path) as MlpModelParameters
        ?? throw new InvalidDataException($"Model file '{path}' holds a network that is not a multilayer perceptron.");

    internal override string KindName => Kind;

    internal override string WriteLayers(OnnxGraphBuilder graph, string input)
    {
        graph.Initializer("mlp_shape_row", [1, InputSize]);
        graph.Node("Reshape", [input, "mlp_shape_row"], ["mlp_x0"]);
        return DenseLayerStack.Write(graph, OnnxPrefix, "mlp_x0", Layers);
    }

    internal override JsonArray DescribeLayers() => new(Layers.Select(l => (JsonNode)DenseLayerStack.Describe(l)).ToArray());

    internal override NetworkModelParameters WithHead(float temperature, float targetScale, float targetOffset)
        => new MlpModelParameters(Layers.ToArray(), Task, temperature, targetScale, targetOffset);

    /// <summary>W((x − mean) / scale) + b = (W / scale)x + (b − (W / scale)·mean): only the first layer changes.</summary>
    internal override NetworkModelParameters WithInputStandardization(ReadOnlySpan<float> mean, ReadOnlySpan<float> scale)
    {
        var first = Layers[0];
        if (mean.Length != first.InputSize || scale.Length != first.InputSize)
            throw new ArgumentException($"The standardization has {mean.Length} means and {scale.Length} scales; the network reads {first.InputSize} features.", nameof(mean));
        var weights = first.Weights.ToArray();
        var bias = first.Bias.ToArray();
        for (int o = 0; o < first.OutputSize; o++)
        {
            double shift = 0;
            var row = weights.AsSpan(o * first.InputSize, first.InputSize);
            for (int i = 0; i < row.Length; i++)
            {
                row[i] /= scale[i];
                shift += (double)row[i] * mean[i];
            }
            bias[o] = (float)(bias[o] - shift);
        }
        var layers = Layers.ToArray();
        layers[0] = new MlpLayer(first.InputSize, first.OutputSize, weights, bias, first.Activation);
        return new MlpModelParameters(layers, Task, Temperature, TargetScale, TargetOffset);
    }

    internal static NetworkModelParameters Read(JsonObject json, OnnxModelReader reader)
    {
        var (task, temperature, scale, offset) = ReadHead(json, reader);
        var described = json["layers"] as JsonArray ?? throw new InvalidDataException("the network description has no layers.");
        var layers = new List<MlpLayer>(described.Count);
        for (int i = 0; i < described.Count; i++)
        {
            var layer = described[i] as JsonObject ?? throw new InvalidDataException($"layer {i} of the description is not an object.");
            if ((string?)layer["type"] != DenseLayerStack.Type)
                throw new InvalidDataException($"layer {i} is of type '{(string?)layer["type"]}'; a perceptron has only dense layers.");
            layers.Add(DenseLayerStack.Read(layer, reader, OnnxPrefix, i));
        }
        return new MlpModelParameters(layers, task, temperature, scale, offset);
    }

    private static MlpLayer[] CheckLayers(IEnumerable<MlpLayer> layers) => DenseLayerStack.Check(layers, nameof(layers));
}
