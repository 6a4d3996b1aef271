using System.Globalization;

namespace MnistPipeline.Bench;

/// <summary>
/// Settings shared by the parent of a comparison and every contender process it starts; parsed
/// from the command line, and written back to it for the child processes.
/// </summary>
internal sealed record BenchSettings
{
    /// <summary>Intra-op threads of every contender (libtorch, ML.NET trainers, PyTorch). Default: all cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of every contender (MLContext, TorchSharp, PyTorch).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Whole-contender repeats (each in a fresh process); the table shows medians.</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>Timed PredictionEngine predictions per contender (after a warm-up).</summary>
    public int LatencyPredictions { get; init; } = 5000;

    /// <summary>Timed bulk-scoring passes over the test set per contender (after a warm-up pass).</summary>
    public int BulkRuns { get; init; } = 5;

    /// <summary>Side of the square float32 matrices of the matrix-multiply probe.</summary>
    public int MatrixSize { get; init; } = 2048;

    /// <summary>Folder of the MNIST files; null: MnistFiles' default (MNIST_DATA, then the user cache).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Folder for the Markdown and JSON results.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("bench", "results");

    /// <summary>Contenders to run (names); null: all.</summary>
    public IReadOnlyList<string>? Contenders { get; init; }

    /// <summary>A free-text note written at the top of the results (e.g. "machine shared with builds").</summary>
    public string? Note { get; init; }

    /// <summary>The python interpreter for the PyTorch contender.</summary>
    public string Python { get; init; } = "python3";

    /// <summary>Folder where contenders write their trained weights for the parent to compare (set by <c>compare</c> for its children); null: not written.</summary>
    public string? WeightsDirectory { get; init; }

    public static BenchSettings Parse(IReadOnlyList<string> args, out List<string> rest)
    {
        var settings = new BenchSettings();
        rest = [];
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int Positive() => int.Parse(Value(), CultureInfo.InvariantCulture) is var n and >= 1
                ? n : throw new ArgumentOutOfRangeException(arg, $"{arg} must be ≥ 1.");
            settings = arg switch
            {
                "--threads" => settings with { Threads = Positive() },
                "--seed" => settings with { Seed = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--repeats" => settings with { Repeats = Positive() },
                "--latency-predictions" => settings with { LatencyPredictions = Positive() },
                "--bulk-runs" => settings with { BulkRuns = Positive() },
                "--matrix-size" => settings with { MatrixSize = Positive() },
                "--data" => settings with { DataDirectory = Value() },
                "--out" => settings with { OutputDirectory = Value() },
                "--contenders" => settings with { Contenders = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--note" => settings with { Note = Value() },
                "--python" => settings with { Python = Value() },
                "--weights-dir" => settings with { WeightsDirectory = Value() },
                _ => Keep(settings, rest, arg),
            };
        }
        return settings;
    }

    /// <summary>The arguments that give a child process the same settings.</summary>
    public IEnumerable<string> ToChildArguments()
    {
        yield return "--threads";
        yield return Threads.ToString(CultureInfo.InvariantCulture);
        yield return "--seed";
        yield return Seed.ToString(CultureInfo.InvariantCulture);
        yield return "--latency-predictions";
        yield return LatencyPredictions.ToString(CultureInfo.InvariantCulture);
        yield return "--bulk-runs";
        yield return BulkRuns.ToString(CultureInfo.InvariantCulture);
        yield return "--matrix-size";
        yield return MatrixSize.ToString(CultureInfo.InvariantCulture);
        yield return "--python";
        yield return Python;
        if (DataDirectory is not null)
        {
            yield return "--data";
            yield return DataDirectory;
        }
        if (WeightsDirectory is not null)
        {
            yield return "--weights-dir";
            yield return WeightsDirectory;
        }
    }

    private static BenchSettings Keep(BenchSettings settings, List<string> rest, string arg)
    {
        rest.Add(arg);
        return settings;
    }
}
