using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// The fully connected layers of a network (a whole perceptron, or the part of a convolutional
/// network after its feature layers): their checks, their ONNX nodes and their saved description,
/// in one place for every network kind.
/// </summary>
internal static class DenseLayerStack
{
    /// <summary>
    /// Checks that the layers chain, that every layer but the last has an activation and that the
    /// last has none; <paramref name="inputSize"/>, when given, is what the first layer must read.
    /// </summary>
    public static MlpLayer[] Check(IEnumerable<MlpLayer> layers, string paramName, int? inputSize = null, string? inputOrigin = null)
    {
        ArgumentNullException.ThrowIfNull(layers, paramName);
        var array = layers.ToArray();
        if (array.Length == 0)
            throw new ArgumentException("A network needs at least one dense layer (the output layer).", paramName);
        for (int i = 0; i < array.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(array[i], $"{paramName}[{i}]");
            if (i == 0 && inputSize is int size && array[0].InputSize != size)
                throw new ArgumentException($"Dense layer 0 reads {array[0].InputSize} inputs, but {inputOrigin} gives {size}.", paramName);
            if (i > 0 && array[i].InputSize != array[i - 1].OutputSize)
                throw new ArgumentException(
                    $"Layer {i} reads {array[i].InputSize} inputs, but layer {i - 1} gives {array[i - 1].OutputSize} outputs.", paramName);
            bool last = i == array.Length - 1;
            if (last && array[i].Activation is not null)
                throw new ArgumentException($"The last layer ({i}) gives the raw outputs and has no activation; found {array[i].Activation}.", paramName);
            if (!last && array[i].Activation is null)
                throw new ArgumentException($"Hidden layer {i} needs an activation.", paramName);
        }
        return array;
    }

    /// <summary>
    /// Writes the layers as Gemm (and activation) nodes reading the [1, n] row <paramref name="input"/>;
    /// weights are named <c>{prefix}_w{i}</c> and <c>{prefix}_b{i}</c> (part of the saved format).
    /// Returns the name of the last output.
    /// </summary>
    public static string Write(OnnxGraphBuilder graph, string prefix, string input, IReadOnlyList<MlpLayer> layers)
    {
        string current = input;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            graph.Initializer($"{prefix}_w{i}", [layer.OutputSize, layer.InputSize], layer.Weights.Span);
            graph.Initializer($"{prefix}_b{i}", [layer.OutputSize], layer.Bias.Span);
            string linear = $"{prefix}_z{i}";
            graph.Node("Gemm", [current, $"{prefix}_w{i}", $"{prefix}_b{i}"], [linear], ("transB", 1L));
            current = linear;
            if (layer.Activation is { } activation)
            {
                string activated = $"{prefix}_x{i + 1}";
                graph.Node(OnnxOperator(activation), [current], [activated]);
                current = activated;
            }
        }
        return current;
    }

    /// <summary>One layer's entry in the saved network description.</summary>
    public static JsonObject Describe(MlpLayer layer) => new()
    {
        ["type"] = Type,
        ["inputSize"] = layer.InputSize,
        ["outputSize"] = layer.OutputSize,
        ["activation"] = layer.Activation?.ToString(),
    };

    /// <summary>Reads the <paramref name="index"/>-th dense layer back from its description and the weights written by <see cref="Write"/>.</summary>
    public static MlpLayer Read(JsonObject layer, OnnxModelReader reader, string prefix, int index)
    {
        int inputs = (int)layer["inputSize"]!, outputs = (int)layer["outputSize"]!;
        string? activation = (string?)layer["activation"];
        return new MlpLayer(inputs, outputs,
            reader.Floats($"{prefix}_w{index}", outputs, inputs), reader.Floats($"{prefix}_b{index}", outputs),
            activation is null ? null : Enum.Parse<Activation>(activation));
    }

    /// <summary>The "type" of a dense layer in the saved description.</summary>
    public const string Type = "dense";

    /// <summary>The ONNX operator of an activation.</summary>
    public static string OnnxOperator(Activation activation) => activation switch
    {
        Activation.Relu => "Relu",
        Activation.Tanh => "Tanh",
        Activation.Sigmoid => "Sigmoid",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
