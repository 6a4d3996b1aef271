using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using static System.FormattableString;

namespace MnistPipeline.Bench.Checkpoint;

/// <summary>
/// <c>checkpoint [tutorial|recommended|large|cnn|lenet5] [epochs]</c>: what checkpoints cost on real MNIST.
/// Fits the preset with a checkpoint after every epoch and without, in turn (A B B A …,
/// <c>--repeats</c> pairs, one process, same seed), and prints: the checkpoint's size, the
/// median time of one write (from the trainer's log line), and the median epoch-to-epoch time
/// with and without checkpoints (the time between two <c>EpochCompleted</c> callbacks, which
/// includes the write after the first of them) and their ratio: the per-epoch cost.
/// "large" is 784-1024-1024-10 with Adam and dropout 0.2, a stand-in for a bigger preset; "cnn" and
/// "lenet5" are ConvNetTrainer's presets (their checkpoints hold batch norm's running statistics too).
/// </summary>
internal static partial class CheckpointCommand
{
    public static int Run(IReadOnlyList<string> args, BenchSettings settings)
    {
        string preset = args.Count > 0 ? args[0] : "recommended";
        int epochs = args.Count > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        if (preset is not ("tutorial" or "recommended" or "large" or "cnn" or "lenet5") || epochs < 2)
        {
            Console.Error.WriteLine("usage: checkpoint [tutorial|recommended|large|cnn|lenet5] [epochs ≥ 2] [--repeats N] [--threads N] [--data DIR]");
            return 2;
        }

        var files = MnistFiles.Ensure(settings.DataDirectory);
        string folder = Directory.CreateTempSubdirectory("mnistpipeline-checkpoint-bench-").FullName;
        Console.WriteLine(Invariant($"checkpoint cost: preset {preset}, {epochs} epochs, {settings.Threads} thread(s), {settings.Repeats} pair(s) (with, without), seed {settings.Seed}; folder {folder}"));
        Console.WriteLine($"load average before: {LoadAverage()}");
        var with = new List<double>();
        var without = new List<double>();
        var writes = new List<double>();
        var fits = new List<(double With, double Without)>();
        double megabytes = 0;
        try
        {
            for (int repeat = 0; repeat < settings.Repeats; repeat++)
            {
                // Alternate which Fit goes first, so the process's first-Fit warm-up (JIT, libtorch's
                // allocator) falls on both sides instead of always on the checkpointed one.
                bool withFirst = repeat % 2 == 0;
                var first = Fit(preset, epochs, settings, files, withFirst ? Path.Combine(folder, "bench.ckpt") : null);
                var second = Fit(preset, epochs, settings, files, withFirst ? null : Path.Combine(folder, "bench.ckpt"));
                var (a, b) = withFirst ? (first, second) : (second, first);
                with.AddRange(a.EpochIntervals);
                without.AddRange(b.EpochIntervals);
                writes.AddRange(a.WriteMilliseconds);
                megabytes = a.Megabytes;
                fits.Add((a.FitSeconds, b.FitSeconds));
                Console.WriteLine(Invariant($"pair {repeat + 1}: fit {a.FitSeconds:F2} s with, {b.FitSeconds:F2} s without; epoch (median) {Median(a.EpochIntervals):F3} s with, {Median(b.EpochIntervals):F3} s without; writes {string.Join(" ", a.WriteMilliseconds.Select(w => w.ToString("F1", CultureInfo.InvariantCulture)))} ms"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| preset | checkpoint size | write (median, min–max) | epoch with | epoch without | per-epoch cost | fit with / without (median of pairs) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        double cost = Median(with) / Median(without) - 1;
        Console.WriteLine(Invariant(
            $"| {preset} | {megabytes:F2} MB | {Median(writes):F1} ms ({writes.Min():F1}–{writes.Max():F1}) | {Median(with):F3} s | {Median(without):F3} s | {cost * 100:+0.0;-0.0}% | {Median(fits.Select(f => f.With / f.Without).ToList()):F3} |"));
        return 0;
    }

    private sealed record Measured(List<double> EpochIntervals, List<double> WriteMilliseconds, double Megabytes, double FitSeconds);

    private static Measured Fit(string preset, int epochs, BenchSettings settings, MnistFileSet files, string? checkpoint)
    {
        var ml = new MLContext(settings.Seed);
        var options = Options(preset);
        options.Epochs = epochs;
        options.NumberOfThreads = settings.Threads;
        options.Seed = settings.Seed;
        options.CheckpointPath = checkpoint;
        var stamps = new List<long>();
        options.EpochCompleted = _ => stamps.Add(Stopwatch.GetTimestamp());
        var writes = new List<double>();
        double megabytes = 0;
        ml.Log += (_, e) =>
        {
            if (Written().Match(e.RawMessage) is { Success: true } m && e.Source.StartsWith("MnistPipeline", StringComparison.Ordinal))
            {
                megabytes = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                writes.Add(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            }
        };
        var data = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        // The ConvNet reads ScalePixels' 28 × 28 image; the MLP the flattened 784.
        var clock = Stopwatch.StartNew();
        using var model = options is ConvNetTrainer.Options convnet
            ? (IDisposable)ml.Transforms.ScalePixels("Features", "Image").Append(new ConvNetTrainer(ml, convnet)).Fit(data)
            : ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Append(new MlpTrainer(ml, (MlpTrainer.Options)options)).Fit(data);
        double fitSeconds = clock.Elapsed.TotalSeconds;
        var intervals = stamps.Zip(stamps.Skip(1), (s, e) => Stopwatch.GetElapsedTime(s, e).TotalSeconds).ToList();
        return new Measured(intervals, writes, megabytes, fitSeconds);
    }

    private static NetworkTrainerOptions Options(string preset) => preset switch
    {
        "tutorial" => MlpTrainer.Options.Tutorial(),
        "recommended" => MlpTrainer.Options.Recommended(),
        "cnn" => ConvNetTrainer.Options.Recommended(),
        "lenet5" => ConvNetTrainer.Options.LeNet5(),
        _ => new MlpTrainer.Options { HiddenLayers = [1024, 1024], Dropout = 0.2 },
    };

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    [GeneratedRegex(@"^Checkpoint \(epoch\) .*: ([0-9.]+) MB written in ([0-9.]+) ms\.$")]
    private static partial Regex Written();
}
