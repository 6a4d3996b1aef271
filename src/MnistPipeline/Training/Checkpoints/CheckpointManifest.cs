using System.Text.Json;
using System.Text.Json.Serialization;
using MnistPipeline.Networks;

namespace MnistPipeline.Training.Checkpoints;

/// <summary>
/// The readable part of a checkpoint file (JSON, after the header): who wrote it, the
/// fingerprint of the run, the loop's scalar state and history, and the list of tensor entries
/// that follow it in the file with their types, shapes, lengths and CRC-32s.
/// </summary>
internal sealed class CheckpointManifest
{
    /// <summary>Why the checkpoint was written: "epoch", "step" or "cancellation".</summary>
    public string Reason { get; set; } = "";

    /// <summary>When it was written (UTC).</summary>
    public DateTimeOffset Written { get; set; }

    /// <summary>The seed the run trains with (taken over by a resumed Fit whose options leave the seed unset).</summary>
    public int Seed { get; set; }

    /// <summary>libtorch threads of the run: bit-identical resumption needs the same count.</summary>
    public int Threads { get; set; }

    /// <summary>The torch device of the run.</summary>
    public string Device { get; set; } = "";

    /// <summary>The options and data the run trains with, as name/value pairs (<see cref="CheckpointFingerprint"/>).</summary>
    public List<FingerprintItem> Fingerprint { get; set; } = [];

    /// <summary>The loop's state, without its tensors.</summary>
    public LoopRecord Loop { get; set; } = new();

    /// <summary>Updates the optimizer has taken (Adam's bias correction depends on it).</summary>
    public long UpdaterSteps { get; set; }

    /// <summary>The tensors stored after the manifest, in file order.</summary>
    public List<EntryRecord> Entries { get; set; } = [];

    // Source-generated serialization: the first checkpoint of a Fit costs no reflection-based
    // warm-up (measured at hundreds of milliseconds, against a target of 2% of an epoch).
    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, CheckpointJsonContext.Default.CheckpointManifest);

    public static CheckpointManifest FromUtf8(ReadOnlySpan<byte> utf8)
        => JsonSerializer.Deserialize(utf8, CheckpointJsonContext.Default.CheckpointManifest) ?? throw new JsonException("The manifest is null.");

    internal sealed record FingerprintItem(string Name, string Value);

    /// <summary>A tensor entry: its name, element type, shape, byte length and CRC-32.</summary>
    internal sealed record EntryRecord(string Name, string Type, long[] Shape, long Length, uint Crc32);

    /// <summary>The scalar part of <see cref="LoopState"/>.</summary>
    internal sealed class LoopRecord
    {
        public int Epoch { get; set; }
        public long NextRow { get; set; }
        public long Step { get; set; }
        public double EpochLossSum { get; set; }
        public long EpochCorrect { get; set; }
        public long WindowCorrect { get; set; }
        public long WindowSeen { get; set; }
        public double BestValidationLoss { get; set; }
        public int EpochsSinceBest { get; set; }
        public bool StoppedEarly { get; set; }
        public TimeSpan Elapsed { get; set; }
        public TimeSpan EpochElapsed { get; set; }
        public List<EpochMetrics> History { get; set; } = [];
    }
}

/// <summary>The manifest's JSON, generated at build time. +∞ (the best validation loss before the first validation) needs named literals.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(CheckpointManifest))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext;
