using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace MnistPipeline.Data;

/// <summary>The outcome of checking one file against a <see cref="MnistFileSpec"/>.</summary>
/// <param name="IsValid">Whether the file is the expected one.</param>
/// <param name="IsGzip">Whether the file is gzip-compressed (by its magic bytes, whatever its name).</param>
/// <param name="Problem">Why it is not valid: the expected and the found value; empty when valid.</param>
internal sealed record MnistFileCheck(bool IsValid, bool IsGzip, string Problem);

/// <summary>
/// Checks a file against the known SHA-256 values. A plain file must hash to the raw value. A gzip
/// file is accepted when it hashes to the published .gz value, or else when its content inflates to
/// exactly the raw length and hashes to the raw value (so a re-compressed copy is accepted too).
/// Inflation stops one byte past the raw length, so a gzip bomb costs no more than the real file.
/// </summary>
internal static class MnistFileVerifier
{
    private const int BufferSize = 1 << 16;

    public static MnistFileCheck Verify(string path, MnistFileSpec spec, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        Span<byte> magic = stackalloc byte[2];
        int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = 0;
        bool isGzip = read == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        return isGzip ? VerifyGzip(stream, spec, cancellationToken) : VerifyPlain(stream, spec, cancellationToken);
    }

    private static MnistFileCheck VerifyPlain(FileStream stream, MnistFileSpec spec, CancellationToken cancellationToken)
    {
        if (stream.Length != spec.Length)
        {
            return new MnistFileCheck(false, false,
                $"length: expected {spec.Length:N0} bytes (uncompressed IDX), found {stream.Length:N0}");
        }
        string hash = HashStream(stream, long.MaxValue, cancellationToken, out _);
        return hash == spec.Sha256
            ? new MnistFileCheck(true, false, "")
            : new MnistFileCheck(false, false, $"SHA-256: expected {spec.Sha256}, found {hash}");
    }

    private static MnistFileCheck VerifyGzip(FileStream stream, MnistFileSpec spec, CancellationToken cancellationToken)
    {
        string? fileHash = null;
        if (spec.GzipSha256 is not null && (spec.GzipLength is null || stream.Length == spec.GzipLength))
        {
            fileHash = HashStream(stream, long.MaxValue, cancellationToken, out _);
            if (fileHash == spec.GzipSha256)
                return new MnistFileCheck(true, true, "");
            stream.Position = 0;
        }

        string contentHash;
        long contentLength;
        var crc = new Crc32();
        try
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            contentHash = HashStream(gzip, spec.Length + 1, cancellationToken, out contentLength, crc);
        }
        catch (InvalidDataException e)
        {
            return new MnistFileCheck(false, true, $"gzip: expected a valid gzip stream, found corrupt data ({e.Message})");
        }

        if (contentLength == spec.Length && contentHash == spec.Sha256)
        {
            // The right content from a stream cut inside its trailer would still fail to load
            // (IdxReader checks the trailer), so it is not accepted here either.
            return HasTrailer(stream, crc.GetCurrentHashAsUInt32(), (uint)contentLength)
                ? new MnistFileCheck(true, true, "")
                : new MnistFileCheck(false, true, "gzip trailer: expected the CRC-32 and length of the content, found other bytes (truncated file)");
        }

        string published = spec.GzipSha256 is null ? "" : $"SHA-256 of the file: expected {spec.GzipSha256}, found {fileHash ?? "(not computed: the length differs)"}; ";
        string content = contentLength != spec.Length
            ? $"inflated length: expected {spec.Length:N0} bytes, found {(contentLength > spec.Length ? "more" : contentLength.ToString("N0"))}"
            : $"SHA-256 of the inflated content: expected {spec.Sha256}, found {contentHash}";
        return new MnistFileCheck(false, true, published + content);
    }

    private static bool HasTrailer(FileStream stream, uint crc, uint length)
    {
        Span<byte> trailer = stackalloc byte[8];
        if (stream.Length < 8 || RandomAccess.Read(stream.SafeFileHandle, trailer, stream.Length - 8) != 8)
            return false;
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer) == crc
            && BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]) == length;
    }

    /// <summary>
    /// Hashes at most <paramref name="limit"/> bytes of <paramref name="stream"/> with SHA-256, also
    /// feeding <paramref name="crc"/> and copying to <paramref name="copyTo"/> when given.
    /// </summary>
    internal static string HashStream(Stream stream, long limit, CancellationToken cancellationToken, out long length,
        Crc32? crc = null, Stream? copyTo = null)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        length = 0;
        while (length < limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, limit - length));
            if (read == 0)
                break;
            sha.AppendData(buffer, 0, read);
            crc?.Append(buffer.AsSpan(0, read));
            copyTo?.Write(buffer, 0, read);
            length += read;
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
