using System.Buffers.Binary;
using System.Text;

namespace MnistPipeline.Networks.Onnx;

/// <summary>
/// Reads the protobuf wire format field by field: the counterpart of <see cref="ProtobufWriter"/>,
/// for reading back the ONNX graphs this library writes. Every length is checked against the
/// bytes that remain, so damaged input fails with <see cref="InvalidDataException"/>, never with
/// an out-of-range read or a huge allocation.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Field number of the field just read by <see cref="Next"/>.</summary>
    public int Field { get; private set; }

    /// <summary>Wire type of the field just read (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).</summary>
    public int WireType { get; private set; }

    /// <summary>Moves to the next field; false at the end of the message.</summary>
    public bool Next()
    {
        if (_position >= _data.Length)
            return false;
        ulong tag = ReadVarint();
        Field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        if (Field == 0)
            throw new InvalidDataException("protobuf field number 0 is not valid.");
        return true;
    }

    public long ReadInt64()
    {
        Expect(0);
        return (long)ReadVarint();
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        Expect(2);
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw new InvalidDataException($"protobuf field {Field} declares {length} bytes, but only {_data.Length - _position} remain.");
        var bytes = _data.Slice(_position, (int)length);
        _position += (int)length;
        return bytes;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    /// <summary>Reads a repeated int64 field, packed (wire type 2) or not (one value).</summary>
    public void ReadInt64s(List<long> into)
    {
        if (WireType == 0)
        {
            into.Add(ReadInt64());
            return;
        }
        var packed = new ProtobufReader(ReadBytes());
        while (packed._position < packed._data.Length)
            into.Add((long)packed.ReadVarint());
    }

    /// <summary>Skips the value of the field just read.</summary>
    public void Skip()
    {
        switch (WireType)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw new InvalidDataException($"protobuf wire type {WireType} (field {Field}) is not supported.");
        }
    }

    /// <summary>Reads a fixed32 value as a float (wire type 5).</summary>
    public float ReadFloat()
    {
        Expect(5);
        float value = BinaryPrimitives.ReadSingleLittleEndian(_data.Slice(_position, 4));
        Advance(4);
        return value;
    }

    private void Advance(int count)
    {
        if (count > _data.Length - _position)
            throw new InvalidDataException($"protobuf field {Field} runs past the end of its message.");
        _position += count;
    }

    private void Expect(int wireType)
    {
        if (WireType != wireType)
            throw new InvalidDataException($"protobuf field {Field}: expected wire type {wireType}, found {WireType}.");
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
                throw new InvalidDataException("protobuf varint runs past the end of its message.");
            byte b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
                return result;
        }
        throw new InvalidDataException("protobuf varint is longer than 10 bytes.");
    }
}
