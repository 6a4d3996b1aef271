using System.Runtime.InteropServices;
using MnistPipeline.Training;

namespace MnistPipeline.Scoring;

/// <summary>
/// Writes the trained perceptron as an ONNX model (opset 13): the graph that scores in ML.NET
/// (through <c>OnnxTransformer</c>) and the file that <c>MlpTransformer.ExportOnnx</c> writes.
/// </summary>
/// <remarks>
/// Graph, for one row (ML.NET's OnnxTransformer scores row by row):
/// <code>
/// features [d] -> Reshape [1, d] -> (Gemm, activation)* -> Gemm -> logits [1, k]
///   -> Softmax -> Reshape [k] -> score
///   -> ArgMax(axis 1, keepdims 0) -> class index [1] (Int64)
/// </code>
/// Rank-1 outputs give ML.NET columns <c>Vector&lt;Single, k&gt;</c> and <c>Vector&lt;Int64, 1&gt;</c>;
/// a rank-0 output would fail when rows are read.
/// </remarks>
internal static class MlpOnnxGraph
{
    // ONNX TensorProto.DataType and AttributeProto.AttributeType values.
    private const int Float = 1;
    private const int Int64 = 7;
    private const int AttributeInt = 2;

    public static byte[] Build(IReadOnlyList<MlpLayer> layers, string featureColumn, string scoreColumn, string producerVersion)
    {
        if (layers.Count == 0)
            throw new ArgumentException("A perceptron needs at least one layer.", nameof(layers));
        int inputSize = layers[0].InputSize;
        int classCount = layers[^1].OutputSize;

        var model = new ProtobufWriter();
        model.WriteInt64(1, MlpModelFormat.OnnxIrVersion);
        model.WriteString(2, "MnistPipeline");
        model.WriteString(3, producerVersion);
        model.WriteMessage(7, graph => WriteGraph(graph, layers, featureColumn, scoreColumn, inputSize, classCount));
        model.WriteMessage(8, opset =>
        {
            opset.WriteString(1, "");
            opset.WriteInt64(2, MlpModelFormat.OnnxOpset);
        });
        model.WriteMessage(14, entry =>
        {
            entry.WriteString(1, ModelFormat.MetadataVersionKey);
            entry.WriteString(2, ModelFormat.Version);
        });
        return model.ToArray();
    }

    private static void WriteGraph(ProtobufWriter graph, IReadOnlyList<MlpLayer> layers, string featureColumn,
        string scoreColumn, int inputSize, int classCount)
    {
        string current = "mlp_x0";
        WriteNode(graph, "Reshape", [featureColumn, "mlp_shape_row"], [current]);
        for (int i = 0; i < layers.Count; i++)
        {
            string linear = $"mlp_z{i}";
            WriteNode(graph, "Gemm", [current, $"mlp_w{i}", $"mlp_b{i}"], [linear], ("transB", 1));
            current = linear;
            if (layers[i].Activation is { } activation)
            {
                string activated = $"mlp_x{i + 1}";
                WriteNode(graph, OnnxOperator(activation), [current], [activated]);
                current = activated;
            }
        }
        WriteNode(graph, "Softmax", [current], ["mlp_probabilities"], ("axis", 1));
        WriteNode(graph, "Reshape", ["mlp_probabilities", "mlp_shape_flat"], [scoreColumn]);
        WriteNode(graph, "ArgMax", ["mlp_probabilities"], [ModelFormat.ClassIndexVectorColumn], ("axis", 1), ("keepdims", 0));

        graph.WriteString(2, "mlp");
        WriteInt64Tensor(graph, "mlp_shape_row", [1, inputSize]);
        WriteInt64Tensor(graph, "mlp_shape_flat", [classCount]);
        for (int i = 0; i < layers.Count; i++)
        {
            WriteFloatTensor(graph, $"mlp_w{i}", [layers[i].OutputSize, layers[i].InputSize], layers[i].Weights.Span);
            WriteFloatTensor(graph, $"mlp_b{i}", [layers[i].OutputSize], layers[i].Bias.Span);
        }
        WriteValueInfo(graph, 11, featureColumn, Float, inputSize);
        WriteValueInfo(graph, 12, scoreColumn, Float, classCount);
        WriteValueInfo(graph, 12, ModelFormat.ClassIndexVectorColumn, Int64, 1);
    }

    private static string OnnxOperator(MlpActivation activation) => activation switch
    {
        MlpActivation.Relu => "Relu",
        MlpActivation.Tanh => "Tanh",
        MlpActivation.Sigmoid => "Sigmoid",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    private static void WriteNode(ProtobufWriter graph, string op, string[] inputs, string[] outputs,
        params (string Name, long Value)[] attributes)
    {
        graph.WriteMessage(1, node =>
        {
            foreach (string input in inputs)
                node.WriteString(1, input);
            foreach (string output in outputs)
                node.WriteString(2, output);
            node.WriteString(3, outputs[0] + "_node");
            node.WriteString(4, op);
            foreach (var (name, value) in attributes)
            {
                node.WriteMessage(5, attribute =>
                {
                    attribute.WriteString(1, name);
                    attribute.WriteInt64(3, value);
                    attribute.WriteInt64(20, AttributeInt);
                });
            }
        });
    }

    private static void WriteFloatTensor(ProtobufWriter graph, string name, long[] dims, ReadOnlySpan<float> values)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; big-endian hosts are not supported.");
        byte[] raw = MemoryMarshal.AsBytes(values).ToArray();
        graph.WriteMessage(5, tensor =>
        {
            tensor.WritePackedInt64(1, dims);
            tensor.WriteInt64(2, Float);
            tensor.WriteString(8, name);
            tensor.WriteBytes(9, raw);
        });
    }

    private static void WriteInt64Tensor(ProtobufWriter graph, string name, long[] values)
    {
        byte[] raw = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        graph.WriteMessage(5, tensor =>
        {
            tensor.WritePackedInt64(1, [values.Length]);
            tensor.WriteInt64(2, Int64);
            tensor.WriteString(8, name);
            tensor.WriteBytes(9, raw);
        });
    }

    private static void WriteValueInfo(ProtobufWriter graph, int field, string name, int elementType, long size)
    {
        graph.WriteMessage(field, valueInfo =>
        {
            valueInfo.WriteString(1, name);
            valueInfo.WriteMessage(2, type => type.WriteMessage(1, tensorType =>
            {
                tensorType.WriteInt64(1, elementType);
                tensorType.WriteMessage(2, shape => shape.WriteMessage(1, dim => dim.WriteInt64(1, size)));
            }));
        });
    }
}
