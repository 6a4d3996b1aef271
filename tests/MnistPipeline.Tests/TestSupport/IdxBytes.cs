using System.Buffers.Binary;
using System.IO.Compression;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>Builds IDX files in memory for tests: valid ones, and ones broken in a chosen place.</summary>
internal static class IdxBytes
{
    public const byte UnsignedByte = 0x08;

    /// <summary>A header: two zero bytes, the type code, the rank, then the big-endian sizes.</summary>
    public static byte[] Header(byte typeCode, byte rank, params uint[] sizes)
    {
        var header = new byte[4 + 4 * sizes.Length];
        header[2] = typeCode;
        header[3] = rank;
        for (int i = 0; i < sizes.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4 + 4 * i), sizes[i]);
        return header;
    }

    /// <summary>Images whose pixel (i, r, c) is <c>pixel(i, r, c)</c>, default a pattern that differs per image and slot.</summary>
    public static byte[] Images(int count, int rows, int columns, Func<int, int, int, byte>? pixel = null)
    {
        pixel ??= (i, r, c) => (byte)((i * 31 + r * columns + c) % 256);
        var header = Header(UnsignedByte, 3, (uint)count, (uint)rows, (uint)columns);
        var bytes = new byte[header.Length + count * rows * columns];
        header.CopyTo(bytes, 0);
        int at = header.Length;
        for (int i = 0; i < count; i++)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                    bytes[at++] = pixel(i, r, c);
            }
        }
        return bytes;
    }

    /// <summary>A labels file with the given labels.</summary>
    public static byte[] Labels(params byte[] labels)
        => [.. Header(UnsignedByte, 1, (uint)labels.Length), .. labels];

    /// <summary>Labels 0, 1, …, 9, 0, 1, … for <paramref name="count"/> rows.</summary>
    public static byte[] CyclicLabels(int count)
        => Labels(Enumerable.Range(0, count).Select(i => (byte)(i % 10)).ToArray());

    public static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Optimal)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
            gzip.Write(data);
        return output.ToArray();
    }

    public static byte[] Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }
}
