using System.Buffers.Binary;
using System.Text;

namespace MnistPipeline.Networks.Onnx;

/// <summary>
/// Just enough of the protobuf wire format to write an ONNX model: varints, length-delimited
/// fields (strings, bytes, nested messages), fixed32 floats and packed repeated int64. Hand-written so that the
/// ONNX schema we depend on is visible in one place (<see cref="OnnxGraphBuilder"/>).
/// </summary>
internal sealed class ProtobufWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireVarint);
        WriteVarint((ulong)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireFixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireLengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteMessage(int field, Action<ProtobufWriter> writeBody)
    {
        var body = new ProtobufWriter();
        writeBody(body);
        WriteBytes(field, body._buffer.GetBuffer().AsSpan(0, (int)body._buffer.Length));
    }

    public void WritePackedInt64(int field, IEnumerable<long> values)
    {
        var body = new ProtobufWriter();
        foreach (long value in values)
            body.WriteVarint((ulong)value);
        WriteBytes(field, body._buffer.GetBuffer().AsSpan(0, (int)body._buffer.Length));
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
