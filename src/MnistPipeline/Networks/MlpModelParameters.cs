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
        string current = "mlp_x0";
        graph.Node("Reshape", [input, "mlp_shape_row"], [current]);
        for (int i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            graph.Initializer($"mlp_w{i}", [layer.OutputSize, layer.InputSize], layer.Weights.Span);
            graph.Initializer($"mlp_b{i}", [layer.OutputSize], layer.Bias.Span);
            string linear = $"mlp_z{i}";
            graph.Node("Gemm", [current, $"mlp_w{i}", $"mlp_b{i}"], [linear], ("transB", 1L));
            current = linear;
            if (layer.Activation is { } activation)
            {
                string activated = $"mlp_x{i + 1}";
                graph.Node(OnnxOperator(activation), [current], [activated]);
                current = activated;
            }
        }
        return current;
    }

    internal override JsonArray DescribeLayers()
    {
        var layers = new JsonArray();
        foreach (var layer in Layers)
        {
            layers.Add(new JsonObject
            {
                ["type"] = "dense",
                ["inputSize"] = layer.InputSize,
                ["outputSize"] = layer.OutputSize,
                ["activation"] = layer.Activation?.ToString(),
            });
        }
        return layers;
    }

    internal override NetworkModelParameters WithHead(float temperature, float targetScale, float targetOffset)
        => new MlpModelParameters(Layers.ToArray(), Task, temperature, targetScale, targetOffset);

    internal static NetworkModelParameters Read(JsonObject json, OnnxModelReader reader)
    {
        var (task, temperature, scale, offset) = ReadHead(json, reader);
        var described = json["layers"] as JsonArray ?? throw new InvalidDataException("the network description has no layers.");
        var layers = new List<MlpLayer>(described.Count);
        for (int i = 0; i < described.Count; i++)
        {
            var layer = described[i] as JsonObject ?? throw new InvalidDataException($"layer {i} of the description is not an object.");
            if ((string?)layer["type"] != "dense")
                throw new InvalidDataException($"layer {i} is of type '{(string?)layer["type"]}'; a perceptron has only dense layers.");
            int inputs = (int)layer["inputSize"]!, outputs = (int)layer["outputSize"]!;
            string? activation = (string?)layer["activation"];
            layers.Add(new MlpLayer(inputs, outputs,
                reader.Floats($"mlp_w{i}", outputs, inputs), reader.Floats($"mlp_b{i}", outputs),
                activation is null ? null : Enum.Parse<Activation>(activation)));
        }
        return new MlpModelParameters(layers, task, temperature, scale, offset);
    }

    private static MlpLayer[] CheckLayers(IEnumerable<MlpLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var array = layers.ToArray();
        if (array.Length == 0)
            throw new ArgumentException("A perceptron needs at least one layer.", nameof(layers));
        for (int i = 0; i < array.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(array[i], $"{nameof(layers)}[{i}]");
            if (i > 0 && array[i].InputSize != array[i - 1].OutputSize)
                throw new ArgumentException(
                    $"Layer {i} reads {array[i].InputSize} inputs, but layer {i - 1} gives {array[i - 1].OutputSize} outputs.", nameof(layers));
            bool last = i == array.Length - 1;
            if (last && array[i].Activation is not null)
                throw new ArgumentException($"The last layer ({i}) gives the raw outputs and has no activation; found {array[i].Activation}.", nameof(layers));
            if (!last && array[i].Activation is null)
                throw new ArgumentException($"Hidden layer {i} needs an activation.", nameof(layers));
        }
        return array;
    }

    private static string OnnxOperator(Activation activation) => activation switch
    {
        Activation.Relu => "Relu",
        Activation.Tanh => "Tanh",
        Activation.Sigmoid => "Sigmoid",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
