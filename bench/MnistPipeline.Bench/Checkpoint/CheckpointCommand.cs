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
/// <c>checkpoint [tutorial|recommended|best|large|cnn|lenet5] [epochs]</c>: what checkpoints cost on real MNIST.
/// Fits the preset with a checkpoint after every epoch and without, in turn (A B B A …,
/// <c>--repeats</c> pairs, one process, same seed), and prints: the checkpoint's size, the
/// median time of one write (from the trainer's log line), and the median epoch-to-epoch time
/// with and without checkpoints (the time between two <c>EpochCompleted</c> callbacks, which
/// includes the write after the first of them) and their ratio: the per-epoch cost.
/// Two measures of it, because an epoch of the tutorial preset (about 1.4 s) drifts by ±20% on
/// a shared machine from one Fit to the next: the A/B ratio (median over pairs of each pair's
/// epoch medians), and the write's share of the checkpointed epoch it ends (write time over
/// that epoch's interval), which the machine's drift cannot move. The A/B is also given in process
/// CPU time per epoch (all threads), which time stolen by other guests of the host does not inflate. A discarded warm-up Fit
/// (with checkpoints, 2 epochs) comes first, so JIT tiering does not fall on the first pair.
/// "best" is MlpTrainer's Best preset (784-1024-1024-10, dropout 0.2, Adam, augmented images);
/// "large" is its network without the augmentation; "cnn" and
/// "lenet5" are ConvNetTrainer's presets (their checkpoints hold batch norm's running statistics too).
/// </summary>
internal static partial class CheckpointCommand
{
    public static int Run(IReadOnlyList<string> args, BenchSettings settings)
    {
        string preset = args.Count > 0 ? args[0] : "recommended";
        int epochs = args.Count > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        if (preset is not ("tutorial" or "recommended" or "best" or "large" or "cnn" or "lenet5") || epochs < 2)
        {
            Console.Error.WriteLine("usage: checkpoint [tutorial|recommended|best|large|cnn|lenet5] [epochs ≥ 2] [--repeats N] [--threads N] [--data DIR]");
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
        var shares = new List<double>();
        var pairRatios = new List<double>();
        var cpuRatios = new List<double>();
        double megabytes = 0;
        try
        {
            Fit(preset, 2, settings, files, Path.Combine(folder, "warm-up.ckpt"));
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
                pairRatios.Add(Median(a.EpochIntervals) / Median(b.EpochIntervals));
                cpuRatios.Add(Median(a.EpochCpuSeconds) / Median(b.EpochCpuSeconds));
                // Write k follows epoch k; interval k (k ≥ 1) runs from epoch k's end to epoch k + 1's, so it holds write k.
                for (int k = 0; k < a.EpochIntervals.Count && k < a.WriteMilliseconds.Count; k++)
                    shares.Add(a.WriteMilliseconds[k] / 1000 / a.EpochIntervals[k]);
                Console.WriteLine(Invariant($"pair {repeat + 1}: fit {a.FitSeconds:F2} s with, {b.FitSeconds:F2} s without; epoch (median) {Median(a.EpochIntervals):F3} s with, {Median(b.EpochIntervals):F3} s without (epochs {string.Join(" ", a.EpochIntervals.Select(e => e.ToString("F2", CultureInfo.InvariantCulture)))} with, {string.Join(" ", b.EpochIntervals.Select(e => e.ToString("F2", CultureInfo.InvariantCulture)))} without); writes {string.Join(" ", a.WriteMilliseconds.Select(w => w.ToString("F1", CultureInfo.InvariantCulture)))} ms; process CPU per epoch (median) {Median(a.EpochCpuSeconds):F3} s with, {Median(b.EpochCpuSeconds):F3} s without; {a.Collections} with, {b.Collections} without"));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine($"load average after: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| preset | checkpoint size | write (median, min–max) | write's share of its epoch (median, max) | epoch with | epoch without | per-epoch cost, A/B (median of pairs, min–max) | per-epoch cost in process CPU time, A/B (median of pairs, min–max); pairs slower with | fit with / without (median of pairs) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        Console.WriteLine(Invariant(
            $"| {preset} | {megabytes:F2} MB | {Median(writes):F1} ms ({writes.Min():F1}–{writes.Max():F1}) | {Median(shares) * 100:F2}% ({shares.Max() * 100:F2}%) | {Median(with):F3} s | {Median(without):F3} s | ") +
            Invariant($"{Percent(Median(pairRatios))} ({Percent(pairRatios.Min())} – {Percent(pairRatios.Max())}); {pairRatios.Count(r => r > 1)} of {pairRatios.Count} pairs slower with | ") +
            Invariant($"{Percent(Median(cpuRatios))} ({Percent(cpuRatios.Min())} – {Percent(cpuRatios.Max())}); {cpuRatios.Count(r => r > 1)} of {cpuRatios.Count} | {Median(fits.Select(f => f.With / f.Without).ToList()):F3} |"));
        return 0;
    }

    private sealed record Measured(List<double> EpochIntervals, List<double> EpochCpuSeconds, List<double> WriteMilliseconds, double Megabytes, double FitSeconds, string Collections);

    private static Measured Fit(string preset, int epochs, BenchSettings settings, MnistFileSet files, string? checkpoint)
    {
        var ml = new MLContext(settings.Seed);
        var options = Options(preset);
        options.Epochs = epochs;
        options.NumberOfThreads = settings.Threads;
        options.Seed = settings.Seed;
        options.CheckpointPath = checkpoint;
        var stamps = new List<long>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        options.EpochCompleted = _ =>
        {
            stamps.Add(Stopwatch.GetTimestamp());
            process.Refresh();
            cpu.Add(process.TotalProcessorTime.TotalSeconds);
        };
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
        int[] before = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var pauseBefore = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        using var model = options is ConvNetTrainer.Options convnet
            ? (IDisposable)ml.Transforms.ScalePixels("Features", "Image").Append(new ConvNetTrainer(ml, convnet)).Fit(data)
            : ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Append(new MlpTrainer(ml, (MlpTrainer.Options)options)).Fit(data);
        double fitSeconds = clock.Elapsed.TotalSeconds;
        string collections = Invariant($"GC {GC.CollectionCount(0) - before[0]}/{GC.CollectionCount(1) - before[1]}/{GC.CollectionCount(2) - before[2]} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms");
        var intervals = stamps.Zip(stamps.Skip(1), (s, e) => Stopwatch.GetElapsedTime(s, e).TotalSeconds).ToList();
        var cpuIntervals = cpu.Zip(cpu.Skip(1), (s, e) => e - s).ToList();
        return new Measured(intervals, cpuIntervals, writes, megabytes, fitSeconds, collections);
    }

    private static NetworkTrainerOptions Options(string preset) => preset switch
    {
        "tutorial" => MlpTrainer.Options.Tutorial(),
        "recommended" => MlpTrainer.Options.Recommended(),
        "best" => MlpTrainer.Options.Best(),
        "cnn" => ConvNetTrainer.Options.Recommended(),
        "lenet5" => ConvNetTrainer.Options.LeNet5(),
        _ => new MlpTrainer.Options { HiddenLayers = [1024, 1024], Dropout = 0.2 },
    };

    private static string Percent(double ratio) => ((ratio - 1) * 100).ToString("+0.0;-0.0", CultureInfo.InvariantCulture) + "%";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    [GeneratedRegex(@"^Checkpoint \(epoch\) .*: ([0-9.]+) MB written in ([0-9.]+) ms\.$")]
    private static partial Regex Written();
}
