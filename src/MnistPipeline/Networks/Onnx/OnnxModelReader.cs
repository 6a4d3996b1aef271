using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace MnistPipeline.Networks.Onnx;

/// <summary>
/// Reads back what <see cref="OnnxGraphBuilder"/> wrote: the metadata entries and the float
/// initializers of an ONNX model. Used to turn a saved model into model parameters again
/// (warm start from a file); not a general ONNX parser.
/// </summary>
internal sealed class OnnxModelReader
{
    private readonly Dictionary<string, (long[] Dims, float[] Values)> _floats = new(StringComparer.Ordinal);

    private OnnxModelReader(Dictionary<string, string> metadata) => Metadata = metadata;

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses an ONNX model; throws <see cref="InvalidDataException"/> if it is not one.</summary>
    public static OnnxModelReader Parse(ReadOnlySpan<byte> onnx)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new OnnxModelReader(metadata);
        var model = new ProtobufReader(onnx);
        bool sawGraph = false;
        while (model.Next())
        {
            switch (model.Field)
            {
                case 7:
                    sawGraph = true;
                    result.ReadGraph(model.ReadBytes());
                    break;
                case 14:
                    var (key, value) = ReadEntry(model.ReadBytes());
                    metadata[key] = value;
                    break;
                default:
                    model.Skip();
                    break;
            }
        }
        if (!sawGraph)
            throw new InvalidDataException("not an ONNX model: it has no graph.");
        return result;
    }

    /// <summary>A float initializer by name, with its shape; throws naming it when absent or of another shape.</summary>
    public float[] Floats(string name, params long[] expectedDims)
    {
        if (!_floats.TryGetValue(name, out var tensor))
            throw new InvalidDataException($"the ONNX graph has no float initializer '{name}'.");
        if (!tensor.Dims.SequenceEqual(expectedDims))
            throw new InvalidDataException(
                $"ONNX initializer '{name}' has shape [{string.Join(", ", tensor.Dims)}]; expected [{string.Join(", ", expectedDims)}].");
        return tensor.Values;
    }

    /// <summary>
    /// The ONNX graphs stored in an ML.NET model .zip by its OnnxTransformers (entries named
    /// <c>OnnxModel</c>, written as an int32 length and the bytes), in the order of the zip.
    /// </summary>
    public static IReadOnlyList<byte[]> OnnxGraphsInModelFile(Stream zip)
    {
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        var graphs = new List<byte[]>();
        foreach (var entry in archive.Entries.Where(e => e.Name == "OnnxModel"))
        {
            using var data = entry.Open();
            using var copy = new MemoryStream();
            data.CopyTo(copy);
            var bytes = copy.GetBuffer().AsSpan(0, (int)copy.Length);
            if (bytes.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(bytes) != bytes.Length - 4)
                throw new InvalidDataException($"zip entry '{entry.FullName}' is not an ONNX graph stored by ML.NET (int32 length, then the bytes).");
            graphs.Add(bytes[4..].ToArray());
        }
        return graphs;
    }

    private void ReadGraph(ReadOnlySpan<byte> graph)
    {
        var reader = new ProtobufReader(graph);
        while (reader.Next())
        {
            if (reader.Field == 5)
                ReadInitializer(reader.ReadBytes());
            else
                reader.Skip();
        }
    }

    private void ReadInitializer(ReadOnlySpan<byte> tensor)
    {
        var reader = new ProtobufReader(tensor);
        var dims = new List<long>();
        long dataType = 0;
        string name = "";
        ReadOnlySpan<byte> raw = default;
        var floatData = new List<float>();
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: reader.ReadInt64s(dims); break;
                case 2: dataType = reader.ReadInt64(); break;
                case 4:
                    if (reader.WireType == 2)
                        floatData.AddRange(MemoryMarshal.Cast<byte, float>(reader.ReadBytes()).ToArray());
                    else
                        floatData.Add(reader.ReadFloat());
                    break;
                case 8: name = reader.ReadString(); break;
                case 9: raw = reader.ReadBytes(); break;
                default: reader.Skip(); break;
            }
        }
        if (dataType != OnnxGraphBuilder.FloatType)
            return;
        long count = dims.Aggregate(1L, (a, b) => a * b);
        float[] values = raw.Length > 0 ? MemoryMarshal.Cast<byte, float>(raw).ToArray() : floatData.ToArray();
        if (values.Length != count)
            throw new InvalidDataException($"ONNX initializer '{name}' holds {values.Length} values for shape [{string.Join(", ", dims)}].");
        _floats[name] = (dims.ToArray(), values);
    }

    private static (string Key, string Value) ReadEntry(ReadOnlySpan<byte> entry)
    {
        var reader = new ProtobufReader(entry);
        string key = "", value = "";
        while (reader.Next())
        {
            switch (reader.Field)
            {
                case 1: key = reader.ReadString(); break;
                case 2: value = reader.ReadString(); break;
                default: reader.Skip(); break;
            }
        }
        return (key, value);
    }
}
