using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace MnistPipeline.Data;

/// <summary>
/// Opens IDX files (plain or gzip, told apart by magic bytes) and validates the header before
/// anything proportional to the declared size is allocated.
/// </summary>
/// <remarks>
/// IDX: a big-endian header of a 4-byte magic number (two zero bytes, a type code, the rank)
/// followed by one 4-byte size per dimension, then the data. Only unsigned bytes (type 0x08) are
/// supported, which is what MNIST and its look-alikes use.
/// Plain files are checked against their length and then memory-mapped lazily by cursors. Gzip
/// files are inflated once into memory, stopping at the size the header declares; the gzip
/// trailer (CRC-32 and length) is checked because .NET's decoder reports a truncated stream as
/// a normal end of data.
/// </remarks>
internal static class IdxReader
{
    /// <summary>IDX type code of unsigned bytes.</summary>
    public const byte UnsignedByteTypeCode = 0x08;

    /// <summary>
    /// Deflate cannot expand data by more than about 1032:1 (zlib's documented limit), so a gzip
    /// file whose header declares more than this many times its own size is rejected at once.
    /// </summary>
    public const long MaxDeflateRatio = 1032;

    private const int CopyBufferSize = 64 * 1024;

    /// <summary>Opens and validates <paramref name="path"/> as an IDX file of the given layout.</summary>
    /// <exception cref="IdxFormatException">The file is not a valid IDX file of that layout.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxFile Open(string path, IdxLayout layout)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = stream.Length;
        if (fileLength == 0)
            throw new IdxFormatException(path, "file length", "an IDX header (at least 4 bytes)", "0 bytes: the file is empty");

        Span<byte> probe = stackalloc byte[2];
        int probed = stream.ReadAtLeast(probe, probe.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        bool isGzip = probed == 2 && probe[0] == 0x1F && probe[1] == 0x8B;
        return isGzip ? OpenGzip(path, stream, fileLength, layout) : OpenPlain(path, stream, fileLength, layout);
    }

    private static IdxFile OpenPlain(string path, FileStream stream, long fileLength, IdxLayout layout)
    {
        var header = ReadHeader(path, stream, layout, observe: null,
            truncated: _ => $"{fileLength:N0} bytes: the file ends inside the header");
        long expected = header.HeaderLength + header.DataLength;
        if (fileLength != expected)
        {
            string found = fileLength < expected
                ? $"{fileLength:N0} bytes: truncated, {expected - fileLength:N0} bytes missing"
                : $"{fileLength:N0} bytes: {fileLength - expected:N0} trailing bytes after the data";
            throw new IdxFormatException(path, "file length", header.DescribeTotal(), found);
        }
        return new IdxFile(path, isGzip: false, header.Dimensions,
            new MappedFilePayload(path, header.HeaderLength, header.DataLength));
    }

    private static IdxFile OpenGzip(string path, FileStream stream, long fileLength, IdxLayout layout)
    {
        var crc = new Crc32();
        try
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            var header = ReadHeader(path, gzip, layout, observe: crc.Append,
                truncated: got => $"{got:N0} bytes: the gzip stream ends inside the header");

            long declaredTotal = header.HeaderLength + header.DataLength;
            long maxInflated = fileLength > long.MaxValue / MaxDeflateRatio ? long.MaxValue : fileLength * MaxDeflateRatio;
            if (declaredTotal > maxInflated)
            {
                throw new IdxFormatException(path, "declared size",
                    $"at most {maxInflated:N0} bytes (the most {fileLength:N0} bytes of gzip can inflate to)",
                    header.DescribeTotal());
            }

            var payload = new InMemoryPayload(header.DataLength);
            var buffer = new byte[(int)Math.Min(CopyBufferSize, Math.Max(1, header.DataLength))];
            long remaining = header.DataLength;
            while (remaining > 0)
            {
                int read = gzip.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                {
                    throw new IdxFormatException(path, "data length", header.DescribeData(),
                        $"{payload.Length:N0} bytes: the gzip stream ends early (truncated)");
                }
                crc.Append(buffer.AsSpan(0, read));
                payload.Append(buffer.AsSpan(0, read));
                remaining -= read;
            }

            // Reading stops at the declared size: one more byte tells whether the stream goes on,
            // so a stream that inflates far beyond its header is never inflated in full.
            if (gzip.Read(buffer, 0, 1) != 0)
            {
                throw new IdxFormatException(path, "data length", header.DescribeData(),
                    "more inflated data after the declared size (trailing bytes in the gzip stream)");
            }

            CheckTrailer(path, stream, fileLength, crc.GetCurrentHashAsUInt32(), (uint)declaredTotal);
            return new IdxFile(path, isGzip: true, header.Dimensions, payload);
        }
        catch (InvalidDataException e)
        {
            // .NET words every decoder failure (bad CRC, bad length, bad deflate data) as "unsupported compression method".
            throw new IdxFormatException(path, "gzip stream",
                "valid gzip data (deflate blocks, CRC-32 and length that match)",
                $"data the gzip decoder rejects: corrupt or damaged ({e.Message})", e);
        }
    }

    /// <summary>
    /// .NET's gzip decoder checks the trailer only when it reaches it, and treats a stream cut
    /// short as a normal end. Comparing the trailer bytes of the file with the CRC-32 and length
    /// of what was inflated catches a cut anywhere (single-member gzip, which is what gzip and
    /// every MNIST mirror produce).
    /// </summary>
    private static void CheckTrailer(string path, FileStream stream, long fileLength, uint crc, uint inflatedLength)
    {
        Span<byte> trailer = stackalloc byte[8];
        int read = fileLength >= 8 ? RandomAccess.Read(stream.SafeFileHandle, trailer, fileLength - 8) : 0;
        uint foundCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint foundLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (read != 8 || foundCrc != crc || foundLength != inflatedLength)
        {
            throw new IdxFormatException(path, "gzip trailer",
                $"CRC-32 0x{crc:X8} and length {inflatedLength:N0} (of the inflated data)",
                $"CRC-32 0x{foundCrc:X8} and length {foundLength:N0}: the gzip stream is truncated or corrupt");
        }
    }

    private static IdxHeader ReadHeader(string path, Stream source, IdxLayout layout,
        Action<ReadOnlySpan<byte>>? observe, Func<long, string> truncated)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = source.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        observe?.Invoke(magic[..got]);
        if (got < magic.Length)
            throw new IdxFormatException(path, "magic number", "4 bytes", truncated(got));
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new IdxFormatException(path, "magic number (bytes 0-1)", "0x00 0x00",
                $"0x{magic[0]:X2} 0x{magic[1]:X2}: not an IDX file");
        }
        if (magic[2] != UnsignedByteTypeCode)
        {
            throw new IdxFormatException(path, "type code (byte 2)", "0x08 (unsigned byte)",
                $"0x{magic[2]:X2} ({DescribeTypeCode(magic[2])})");
        }
        if (magic[3] != layout.Rank)
            throw new IdxFormatException(path, "rank (byte 3)", layout.DescribeRank(), magic[3].ToString());

        int headerLength = 4 + 4 * layout.Rank;
        Span<byte> sizes = stackalloc byte[4 * layout.Rank];
        got = source.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false);
        observe?.Invoke(sizes[..got]);
        if (got < sizes.Length)
        {
            throw new IdxFormatException(path, "header",
                $"{headerLength} bytes (magic number and {layout.Rank} dimension size(s))", truncated(4 + got));
        }

        var dimensions = new long[layout.Rank];
        for (int i = 0; i < dimensions.Length; i++)
            dimensions[i] = BinaryPrimitives.ReadUInt32BigEndian(sizes[(4 * i)..]);

        // Labels are held in memory and cursors shuffle with an int permutation: the count must fit an array.
        if (dimensions[0] > Array.MaxLength)
        {
            throw new IdxFormatException(path, "dimension[0] (count)", $"at most {Array.MaxLength:N0}",
                $"{dimensions[0]:N0}");
        }
        long itemSize = 1;
        for (int i = 1; i < dimensions.Length; i++)
        {
            if (dimensions[i] == 0)
                throw new IdxFormatException(path, $"dimension[{i}] ({layout.DimensionNames[i]})", "at least 1", "0");
            itemSize *= dimensions[i];
            if (itemSize > int.MaxValue)
            {
                throw new IdxFormatException(path, "item size",
                    $"{string.Join(" × ", layout.DimensionNames.Skip(1))} at most {int.MaxValue:N0} (an ML.NET vector's maximum length)",
                    string.Join(" × ", dimensions.Skip(1).Select(d => d.ToString("N0"))));
            }
        }
        return new IdxHeader(dimensions, headerLength, dimensions[0] * itemSize);
    }

    private static string DescribeTypeCode(byte code) => code switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "16-bit integer",
        0x0C => "32-bit integer",
        0x0D => "32-bit float",
        0x0E => "64-bit float",
        _ => "not an IDX type code",
    };

    private sealed record IdxHeader(long[] Dimensions, int HeaderLength, long DataLength)
    {
        private string DescribeShape() => string.Join(" × ", Dimensions.Select(d => d.ToString("N0")));

        public string DescribeData() => $"{DataLength:N0} bytes of data after the header ({DescribeShape()})";

        public string DescribeTotal()
            => $"{HeaderLength + DataLength:N0} bytes (a {HeaderLength}-byte header and {DataLength:N0} bytes of data: {DescribeShape()})";
    }
}
