using System.Collections;
using System.Globalization;
using System.IO.Hashing;
using System.Reflection;
using Microsoft.ML;
using MnistPipeline.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training.Checkpoints;

/// <summary>
/// What makes a training run the one a checkpoint belongs to, as readable name/value pairs: every
/// option that changes the trajectory, the seed, the task, and the data (rows, features, a hash
/// of the training and validation tensors) and the warm-start weights. A resumed Fit must match
/// all of them; a mismatch names each item that differs.
/// </summary>
/// <remarks>
/// Options are read by reflection, so an option added later to any trainer is part of the
/// fingerprint without further code (nested option objects are read property by property).
/// Left out, because they do not change the weights: output and input column names (the data
/// hash covers what the columns hold), callbacks, the cancellation token, <c>LogEveryNSteps</c>,
/// the validation data view (its rows are hashed instead) and the checkpoint options themselves.
/// Also left out, but recorded in the checkpoint and warned about when they differ:
/// <c>NumberOfThreads</c> and <c>Device</c>. A run resumed with another thread count or device
/// continues correctly but is no longer bit-identical to an uninterrupted run, which is a reason
/// to be told, not to be refused (a job moved to another machine should still resume).
/// </remarks>
internal sealed class CheckpointFingerprint
{
    public const string SeedItem = nameof(NetworkTrainerOptions.Seed);

    /// <summary>
    /// The network as built (<see cref="NetworkModule.Describe"/>: kind, image shape, layers and
    /// sizes), added once the module exists (<see cref="WithNetwork"/>): options name the layers,
    /// but the built network also depends on the data (an image shape taken from the column).
    /// </summary>
    public const string NetworkItem = "network";

    private static readonly HashSet<string> NotFingerprinted = new(StringComparer.Ordinal)
    {
        nameof(NetworkTrainerOptions.Seed), // added as the seed actually used
        nameof(NetworkTrainerOptions.NumberOfThreads),
        nameof(NetworkTrainerOptions.Device),
        nameof(NetworkTrainerOptions.LogEveryNSteps),
        nameof(NetworkTrainerOptions.ValidationData),
        nameof(NetworkTrainerOptions.EpochCompleted),
        nameof(NetworkTrainerOptions.ProgressChanged),
        nameof(NetworkTrainerOptions.CancellationToken),
        nameof(NetworkTrainerOptions.CheckpointPath),
        nameof(NetworkTrainerOptions.CheckpointEveryNSteps),
        nameof(NetworkTrainerOptions.KeepCheckpoint),
        nameof(NetworkTrainerOptions.CheckpointMismatch),
        nameof(NetworkTrainerOptions.CheckpointOnCancellation),
    };

    private const int MaxDepth = 3;

    private readonly List<CheckpointManifest.FingerprintItem> _items;

    private CheckpointFingerprint(List<CheckpointManifest.FingerprintItem> items)
    {
        _items = items;
    }

    public IReadOnlyList<CheckpointManifest.FingerprintItem> Items => _items;

    /// <summary>The fingerprint of a Fit, without its seed (see <see cref="WithSeed"/>).</summary>
    public static CheckpointFingerprint Of(NetworkTrainerOptions options, TrainingTask task, int featureCount,
        TensorDataset train, TensorDataset? validation, NetworkModelParameters? initial)
    {
        var items = OptionItems(options);
        items.Add(new("task", task.Describe()));
        items.Add(new("features", featureCount.ToString(CultureInfo.InvariantCulture)));
        items.Add(new("training rows", train.Count.ToString(CultureInfo.InvariantCulture)));
        items.Add(new("training data", Hash(train)));
        items.Add(new("validation rows", validation is null ? "none" : validation.Count.ToString(CultureInfo.InvariantCulture)));
        items.Add(new("validation data", validation is null ? "none" : Hash(validation)));
        items.Add(new("warm start", initial is null ? "none" : "weights " + Hex(XxHash128.Hash(initial.ToOnnx()))));
        return new CheckpointFingerprint(items);
    }

    /// <summary>This fingerprint with the seed the run trains with.</summary>
    public CheckpointFingerprint WithSeed(int seed)
        => new([.. _items.Where(i => i.Name != SeedItem), new(SeedItem, seed.ToString(CultureInfo.InvariantCulture))]);

    /// <summary>This fingerprint with the network the run trains.</summary>
    public CheckpointFingerprint WithNetwork(NetworkModule module)
        => new([.. _items.Where(i => i.Name != NetworkItem), new(NetworkItem, module.Describe())]);

    /// <summary>Every item whose value differs from <paramref name="saved"/>'s, in this fingerprint's order, then items only the checkpoint has.</summary>
    public IReadOnlyList<CheckpointDifference> Compare(IReadOnlyList<CheckpointManifest.FingerprintItem> saved)
    {
        const string absent = "absent";
        var savedByName = saved.GroupBy(i => i.Name).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var differences = new List<CheckpointDifference>();
        foreach (var item in _items)
        {
            if (!savedByName.Remove(item.Name, out string? before))
                differences.Add(new(item.Name, absent, item.Value));
            else if (before != item.Value)
                differences.Add(new(item.Name, before, item.Value));
        }
        foreach (var (name, value) in savedByName)
            differences.Add(new(name, value, absent));
        return differences;
    }

    /// <summary>The trainer and every option that changes the trajectory, by name.</summary>
    internal static List<CheckpointManifest.FingerprintItem> OptionItems(NetworkTrainerOptions options)
    {
        var items = new List<CheckpointManifest.FingerprintItem> { new("trainer", TrainerName(options.GetType())) };
        AddProperties(items, options, prefix: "", depth: 0);
        return items;
    }

    /// <summary>Whether a top-level option is left out of the fingerprint (see the remarks).</summary>
    internal static bool IsExcluded(string option) => NotFingerprinted.Contains(option) || option.EndsWith("ColumnName", StringComparison.Ordinal);

    private static string TrainerName(Type type) => type.DeclaringType is { } outer ? $"{outer.Name}.{type.Name}" : type.Name;

    private static void AddProperties(List<CheckpointManifest.FingerprintItem> items, object options, string prefix, int depth)
    {
        var properties = options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken);
        foreach (var property in properties)
        {
            string name = prefix + property.Name;
            if (depth == 0 && IsExcluded(property.Name))
                continue;
            var type = property.PropertyType;
            if (typeof(Delegate).IsAssignableFrom(type) || type == typeof(CancellationToken) || typeof(IDataView).IsAssignableFrom(type))
                continue;
            object? value = property.GetValue(options);
            if (value is not null && IsNested(value.GetType()) && depth < MaxDepth)
            {
                items.Add(new(name, value.GetType().Name));
                AddProperties(items, value, name + ".", depth + 1);
            }
            else
            {
                items.Add(new(name, Format(value)));
            }
        }
    }

    /// <summary>An options object of its own (e.g. augmentation settings), read property by property.</summary>
    private static bool IsNested(Type type)
        => type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type) && !typeof(Delegate).IsAssignableFrom(type);

    internal static string Format(object? value) => value switch
    {
        null => "none",
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>Rows, features and targets hashed (XxHash128 of the raw tensor bytes): the same data, or not.</summary>
    private static string Hash(TensorDataset data)
    {
        var hash = new XxHash128();
        Append(hash, data.Features);
        Append(hash, data.Labels);
        return Hex(hash.GetCurrentHash());
    }

    private static void Append(XxHash128 hash, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.device.type == DeviceType.CPU ? tensor.contiguous() : tensor.cpu().contiguous();
        // Tensor.bytes spans at most 2 GB: hash larger tensors in slices of rows.
        long rows = cpu.shape.Length == 0 ? 1 : cpu.shape[0];
        long rowBytes = cpu.shape.Length == 0 ? cpu.ElementSize : cpu.numel() / Math.Max(rows, 1) * cpu.ElementSize;
        long rowsPerSlice = Math.Max(1, (1L << 30) / Math.Max(rowBytes, 1));
        if (cpu.shape.Length == 0 || rows <= rowsPerSlice)
        {
            hash.Append(cpu.bytes);
            return;
        }
        for (long start = 0; start < rows; start += rowsPerSlice)
        {
            using var slice = cpu.narrow(0, start, Math.Min(rowsPerSlice, rows - start));
            hash.Append(slice.bytes);
        }
    }

    private static string Hex(byte[] hash) => Convert.ToHexString(hash, 0, 8).ToLowerInvariant();
}
