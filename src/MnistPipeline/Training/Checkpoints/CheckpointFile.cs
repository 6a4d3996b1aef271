using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training.Checkpoints;

/// <summary>
/// The checkpoint file format, version 1: a small container written and read here, so that every
/// byte is checked and a damaged file always fails with one <see cref="InvalidDataException"/>
/// naming the file and the part that is damaged.
/// </summary>
/// <remarks>
/// <code>
/// offset 0       "MNPCHKPT" (8 bytes), format version (uint32 LE), manifest length M (uint32 LE)
/// offset 16      the manifest: M bytes of UTF-8 JSON (<see cref="CheckpointManifest"/>)
/// offset 16 + M  CRC-32 of the manifest (uint32 LE)
/// offset 20 + M  the tensors' raw bytes (little-endian, row-major), one entry after another in the
///                manifest's order; each entry's type, shape, length and CRC-32 are in the manifest
/// end − 16       "MNPCKEND" (8 bytes), the file's length (uint64 LE)
/// </code>
/// Tensor bytes are written straight from libtorch's memory (no copy), so writing costs little
/// more than the disk does.
/// </remarks>
internal static class CheckpointFile
{
    public const uint FormatVersion = 1;

    private const int HeaderSize = 16;
    private const int TrailerSize = 16;

    /// <summary>A manifest larger than this is damage, not a checkpoint (a history of 100,000 epochs is ~20 MB).</summary>
    private const int MaxManifestBytes = 64 << 20;

    private static readonly byte[] Magic = "MNPCHKPT"u8.ToArray();
    private static readonly byte[] EndMagic = "MNPCKEND"u8.ToArray();

    /// <summary>Writes <paramref name="manifest"/> and the CPU, contiguous <paramref name="tensors"/> (their entries are filled in).</summary>
    public static void Write(Stream stream, CheckpointManifest manifest, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        manifest.Entries = new List<CheckpointManifest.EntryRecord>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            var bytes = tensor.bytes;
            manifest.Entries.Add(new CheckpointManifest.EntryRecord(name, tensor.dtype.ToString(), tensor.shape, bytes.Length, Crc32.HashToUInt32(bytes)));
        }
        byte[] json = manifest.ToUtf8();

        Span<byte> header = stackalloc byte[HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)json.Length);
        stream.Write(header);
        stream.Write(json);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.HashToUInt32(json));
        stream.Write(crc);
        long length = HeaderSize + json.Length + 4;
        foreach (var (_, tensor) in tensors)
        {
            var bytes = tensor.bytes;
            stream.Write(bytes);
            length += bytes.Length;
        }
        Span<byte> trailer = stackalloc byte[TrailerSize];
        EndMagic.CopyTo(trailer);
        BinaryPrimitives.WriteUInt64LittleEndian(trailer[8..], (ulong)(length + TrailerSize));
        stream.Write(trailer);
    }

    /// <summary>Reads and checks the whole file: manifest and every entry's bytes.</summary>
    /// <exception cref="InvalidDataException">The file is not an intact checkpoint; the message names the file and the damaged part.</exception>
    public static CheckpointContents Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(stream, path, keepData: true);
    }

    /// <summary>Reads the checkpoint in <paramref name="stream"/> (from its current position to its end); checks everything.</summary>
    public static CheckpointContents Read(Stream stream, string path, bool keepData)
    {
        long length = stream.Length - stream.Position;
        if (length < HeaderSize + 4 + TrailerSize)
        {
            if (length >= Magic.Length && !StartsWithMagic(stream))
                throw NotACheckpoint(path, stream);
            throw Damaged(path, Invariant($"the file is {length:N0} bytes long, shorter than any checkpoint (truncated)"));
        }
        if (!StartsWithMagic(stream))
            throw NotACheckpoint(path, stream);

        Span<byte> header = stackalloc byte[HeaderSize];
        stream.ReadExactly(header);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
            throw new InvalidDataException(Invariant($"Checkpoint file '{path}' has format version {version}; this version of MnistPipeline reads version {FormatVersion}. It was not used."));
        uint manifestLength = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (manifestLength > MaxManifestBytes || HeaderSize + manifestLength + 4 + TrailerSize > length)
            throw Damaged(path, Invariant($"the header declares a manifest of {manifestLength:N0} bytes, but the file has {length:N0} bytes (the header is damaged or the file truncated)"));

        byte[] json = new byte[manifestLength];
        stream.ReadExactly(json);
        Span<byte> crcBytes = stackalloc byte[4];
        stream.ReadExactly(crcBytes);
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(crcBytes);
        uint actualCrc = Crc32.HashToUInt32(json);
        if (storedCrc != actualCrc)
            throw Damaged(path, Invariant($"the manifest is damaged (CRC-32 0x{actualCrc:X8}, recorded 0x{storedCrc:X8})"));
        CheckpointManifest manifest;
        try
        {
            manifest = CheckpointManifest.FromUtf8(json);
        }
        catch (JsonException e)
        {
            throw Damaged(path, $"the manifest cannot be read ({e.Message})");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long offset = HeaderSize + manifestLength + 4;
        long end = length - TrailerSize;
        byte[]? scratch = null;
        foreach (var entry in manifest.Entries)
        {
            long expected = ExpectedLength(path, entry);
            if (entry.Length != expected)
                throw Damaged(path, Invariant($"entry '{entry.Name}' declares {entry.Length:N0} bytes, but a {entry.Type} tensor of shape [{string.Join(", ", entry.Shape)}] has {expected:N0}"));
            if (offset + entry.Length > end)
                throw Damaged(path, Invariant($"entry '{entry.Name}' is cut short: it needs {entry.Length:N0} bytes at offset {offset:N0}, but the file is {length:N0} bytes long (truncated)"));
            if (data.ContainsKey(entry.Name))
                throw Damaged(path, $"entry '{entry.Name}' appears twice");
            byte[] bytes = keepData ? new byte[entry.Length] : (scratch is { } s && s.Length >= entry.Length ? s : scratch = new byte[entry.Length]);
            var span = bytes.AsSpan(0, (int)entry.Length);
            stream.ReadExactly(span);
            uint crc = Crc32.HashToUInt32(span);
            if (crc != entry.Crc32)
                throw Damaged(path, Invariant($"entry '{entry.Name}' is damaged (CRC-32 0x{crc:X8}, recorded 0x{entry.Crc32:X8})"));
            data[entry.Name] = keepData ? bytes : [];
            offset += entry.Length;
        }

        if (offset != end)
            throw Damaged(path, Invariant($"the entries end at offset {offset:N0}, but the end marker should follow at {end:N0} (the file is truncated, or has bytes it should not)"));
        Span<byte> trailer = stackalloc byte[TrailerSize];
        stream.ReadExactly(trailer);
        if (!trailer[..8].SequenceEqual(EndMagic) || BinaryPrimitives.ReadUInt64LittleEndian(trailer[8..]) != (ulong)length)
            throw Damaged(path, "the end marker is missing or damaged (the file is truncated or was changed)");
        return new CheckpointContents(path, manifest, data);
    }

    private static bool StartsWithMagic(Stream stream)
    {
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[8];
        stream.ReadExactly(magic);
        stream.Position = start;
        return magic.SequenceEqual(Magic);
    }

    private static long ExpectedLength(string path, CheckpointManifest.EntryRecord entry)
    {
        if (!Enum.TryParse<ScalarType>(entry.Type, out var type) || ElementSize(type) is not int size)
            throw Damaged(path, $"entry '{entry.Name}' has an unknown element type '{entry.Type}'");
        long count = 1;
        foreach (long dimension in entry.Shape)
        {
            if (dimension < 0 || (dimension > 0 && count > long.MaxValue / 8 / dimension))
                throw Damaged(path, Invariant($"entry '{entry.Name}' has an impossible shape [{string.Join(", ", entry.Shape)}]"));
            count *= dimension;
        }
        return count * size;
    }

    internal static int? ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => null,
    };

    internal static InvalidDataException Damaged(string path, string detail)
        => new($"Checkpoint file '{path}' is damaged: {detail}. It was not used, and training did not start afresh: " +
               "restore the file from a copy, or delete it to train from the start.");

    private static InvalidDataException NotACheckpoint(string path, Stream stream)
    {
        Span<byte> start = stackalloc byte[8];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        string bytes = Convert.ToHexString(start[..read]);
        string text = Encoding.ASCII.GetString(start[..read]).All(c => c is >= ' ' and <= '~') ? $" \"{Encoding.ASCII.GetString(start[..read])}\"" : "";
        return new InvalidDataException(
            $"Checkpoint file '{path}' is not a MnistPipeline checkpoint (it starts with bytes {bytes}{text}, not \"MNPCHKPT\"). " +
            "It was left untouched: point CheckpointPath at a checkpoint, or at a file that does not exist yet.");
    }
}

/// <summary>A checkpoint read and checked: the manifest and every entry's bytes.</summary>
internal sealed class CheckpointContents(string path, CheckpointManifest manifest, Dictionary<string, byte[]> data)
{
    public string Path { get; } = path;

    public CheckpointManifest Manifest { get; } = manifest;

    public bool Has(string name) => data.ContainsKey(name);

    /// <summary>Names of the entries that start with <paramref name="prefix"/>, without it, in file order.</summary>
    public IReadOnlyList<string> Names(string prefix)
        => Manifest.Entries.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(e => e.Name[prefix.Length..]).ToArray();

    /// <summary>The entry as a new CPU tensor (in the caller's dispose scope).</summary>
    public Tensor Tensor(string name)
    {
        var entry = Manifest.Entries.FirstOrDefault(e => e.Name == name)
            ?? throw CheckpointFile.Damaged(Path, $"entry '{name}' is missing");
        var tensor = torch.empty(entry.Shape, Enum.Parse<ScalarType>(entry.Type));
        if (entry.Length > 0)
            tensor.bytes = data[name];
        return tensor;
    }

    /// <summary>The entry as a tensor of <paramref name="like"/>'s type and shape, on its device; fails naming the entry when they differ.</summary>
    public Tensor TensorLike(string name, Tensor like)
    {
        var entry = Manifest.Entries.FirstOrDefault(e => e.Name == name)
            ?? throw CheckpointFile.Damaged(Path, $"entry '{name}' is missing");
        if (entry.Type != like.dtype.ToString() || !entry.Shape.SequenceEqual(like.shape))
            throw CheckpointFile.Damaged(Path, Invariant($"entry '{name}' is a {entry.Type} tensor of shape [{string.Join(", ", entry.Shape)}], but the training needs {like.dtype} [{string.Join(", ", like.shape)}]"));
        var tensor = Tensor(name);
        if (like.device.type == DeviceType.CPU)
            return tensor;
        using (tensor)
            return tensor.to(like.device);
    }

    /// <summary>Releases the entries' bytes once they are in tensors.</summary>
    public void ReleaseData() => data.Clear();
}
