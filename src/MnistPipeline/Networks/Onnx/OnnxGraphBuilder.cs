using System.Runtime.InteropServices;

namespace MnistPipeline.Networks.Onnx;

/// <summary>
/// Collects the nodes, weights and metadata of one ONNX graph and writes the model (opset 13,
/// IR version 7) in the protobuf wire format. Only the parts of ONNX this library writes are
/// here: float and int64 initializers, nodes with int, float and int-list attributes, and graph
/// inputs and outputs of float or int64 tensors with fixed shapes.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>ONNX opset of every graph written here.</summary>
    public const long Opset = 13;

    /// <summary>ONNX IR version matching <see cref="Opset"/>.</summary>
    public const long IrVersion = 7;

    // ONNX TensorProto.DataType and AttributeProto.AttributeType values.
    public const int FloatType = 1;
    public const int Int64Type = 7;
    private const int AttributeFloat = 1;
    private const int AttributeInt = 2;
    private const int AttributeInts = 7;

    private readonly List<Action<ProtobufWriter>> _nodes = [];
    private readonly List<Action<ProtobufWriter>> _initializers = [];
    private readonly List<Action<ProtobufWriter>> _inputs = [];
    private readonly List<Action<ProtobufWriter>> _outputs = [];
    private readonly List<KeyValuePair<string, string>> _metadata = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Adds a node; <paramref name="attributes"/> values are long, float or long[].</summary>
    public void Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        foreach (string output in outputs)
            Claim(output);
        _nodes.Add(node =>
        {
            foreach (string input in inputs)
                node.WriteString(1, input);
            foreach (string output in outputs)
                node.WriteString(2, output);
            node.WriteString(3, outputs[0] + "_node");
            node.WriteString(4, op);
            foreach (var (name, value) in attributes)
                node.WriteMessage(5, attribute => WriteAttribute(attribute, name, value));
        });
    }

    /// <summary>Adds a float weight tensor of the given shape (row-major values).</summary>
    public void Initializer(string name, long[] dims, ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
            throw new ArgumentException($"Initializer '{name}': {values.Length} values do not fill shape [{string.Join(", ", dims)}].", nameof(values));
        Claim(name);
        byte[] raw = MemoryMarshal.AsBytes(values).ToArray();
        _initializers.Add(tensor =>
        {
            tensor.WritePackedInt64(1, dims);
            tensor.WriteInt64(2, FloatType);
            tensor.WriteString(8, name);
            tensor.WriteBytes(9, raw);
        });
    }

    /// <summary>Adds an int64 vector (e.g. a Reshape target shape).</summary>
    public void Initializer(string name, long[] values)
    {
        Claim(name);
        byte[] raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        _initializers.Add(tensor =>
        {
            tensor.WritePackedInt64(1, [values.Length]);
            tensor.WriteInt64(2, Int64Type);
            tensor.WriteString(8, name);
            tensor.WriteBytes(9, raw);
        });
    }

    /// <summary>Declares a graph input of a fixed shape.</summary>
    public void Input(string name, int elementType, params long[] shape)
    {
        Claim(name);
        _inputs.Add(w => WriteValueInfo(w, name, elementType, shape));
    }

    /// <summary>Declares a graph output (produced by a node) of a fixed shape.</summary>
    public void Output(string name, int elementType, params long[] shape)
        => _outputs.Add(w => WriteValueInfo(w, name, elementType, shape));

    public void Metadata(string key, string value) => _metadata.Add(new(key, value));

    public byte[] Build(string graphName, string producerVersion)
    {
        var model = new ProtobufWriter();
        model.WriteInt64(1, IrVersion);
        model.WriteString(2, "MnistPipeline");
        model.WriteString(3, producerVersion);
        model.WriteMessage(7, graph =>
        {
            foreach (var node in _nodes)
                graph.WriteMessage(1, node);
            graph.WriteString(2, graphName);
            foreach (var initializer in _initializers)
                graph.WriteMessage(5, initializer);
            foreach (var input in _inputs)
                graph.WriteMessage(11, input);
            foreach (var output in _outputs)
                graph.WriteMessage(12, output);
        });
        model.WriteMessage(8, opset =>
        {
            opset.WriteString(1, "");
            opset.WriteInt64(2, Opset);
        });
        foreach (var (key, value) in _metadata)
        {
            model.WriteMessage(14, entry =>
            {
                entry.WriteString(1, key);
                entry.WriteString(2, value);
            });
        }
        return model.ToArray();
    }

    /// <summary>Every tensor name is produced once: a second producer would make an invalid graph.</summary>
    private void Claim(string name)
    {
        if (!_names.Add(name))
            throw new InvalidOperationException($"ONNX graph: the name '{name}' is produced twice.");
    }

    private static void WriteAttribute(ProtobufWriter attribute, string name, object value)
    {
        attribute.WriteString(1, name);
        switch (value)
        {
            case long i:
                attribute.WriteInt64(3, i);
                attribute.WriteInt64(20, AttributeInt);
                break;
            case int i:
                attribute.WriteInt64(3, i);
                attribute.WriteInt64(20, AttributeInt);
                break;
            case float f:
                attribute.WriteFloat(2, f);
                attribute.WriteInt64(20, AttributeFloat);
                break;
            case long[] ints:
                attribute.WritePackedInt64(8, ints);
                attribute.WriteInt64(20, AttributeInts);
                break;
            default:
                throw new ArgumentException($"ONNX attribute '{name}': values of type {value.GetType().Name} are not supported.", nameof(value));
        }
    }

    private static void WriteValueInfo(ProtobufWriter valueInfo, string name, int elementType, long[] shape)
    {
        valueInfo.WriteString(1, name);
        valueInfo.WriteMessage(2, type => type.WriteMessage(1, tensorType =>
        {
            tensorType.WriteInt64(1, elementType);
            tensorType.WriteMessage(2, tensorShape =>
            {
                foreach (long size in shape)
                    tensorShape.WriteMessage(1, dim => dim.WriteInt64(1, size));
            });
        }));
    }
}
