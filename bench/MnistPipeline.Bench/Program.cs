using System.Globalization;
using MnistPipeline.Bench;
using MnistPipeline.Bench.Checkpoint;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Bench.Contenders;
using MnistPipeline.Bench.DataPass;
using MnistPipeline.Bench.Micro;
using MnistPipeline.Bench.Tables;
using MnistPipeline.Bench.ServeLoad;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const string Usage = """
    MnistPipeline benchmarks (build with -c Release):
      compare [--repeats N] [--out DIR] [--threads N] [--contenders a,b] [--note TEXT]
              [--latency-predictions N] [--bulk-runs N] [--matrix-size N] [--data DIR] [--python PATH]
          every contender on real MNIST in fresh processes; writes DIR/<date>.md and .json (DIR: bench/results)
      micro [--short] [--threads N] [--out DIR] [BenchmarkDotNet arguments, e.g. --filter *Prediction*]
          BenchmarkDotNet microbenchmarks; writes DIR/<date>-micro.md
      tables [--repeats N] [--seed S] [--threads N] [--out DIR] [--note TEXT] [--python PATH] [iris wine digits breast_cancer diabetes]
          the trainers' defaults on scikit-learn's UCI tables, 5-fold on the tables' own folds, next to ML.NET's
          trainers and scikit-learn's MLP; seeds S..S+N-1; writes DIR/<date>-tables.md and .json
      serve-load [--clients N] [--seconds S] [--swap-every S] [--inputs png,json] [--out DIR] [--note TEXT]
          the sample's serve under N concurrent HTTP clients, then while the model file is re-saved;
          writes DIR/<date>-serve.md and .json
      datapass [raw|gzip] [passes]
          MNIST load time, memory and pass times (see docs/data.md)
      checkpoint [tutorial|recommended|large|cnn|lenet5] [epochs] [--repeats N] [--threads N]
          checkpoint size, write time and per-epoch cost: Fits with and without per-epoch checkpoints, in turn
      list
          the contenders' names
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

var settings = BenchSettings.Parse(args[1..], out var rest);
string? ResultFile()
{
    int at = rest.IndexOf("--result-file");
    return at >= 0 && at + 1 < rest.Count ? rest[at + 1] : null;
}

try
{
    switch (args[0])
    {
        case "compare":
            if (rest.Count > 0)
                throw new ArgumentException($"Unknown arguments: {string.Join(' ', rest)}");
            return CompareCommand.Run(settings, args);
        case "contender" when rest.Count >= 1 && ResultFile() is { } file:
            return ContenderCommand.RunContender(rest[0], settings, file);
        case "limit" when ResultFile() is { } file:
            return ContenderCommand.RunLimit(settings, file);
        case "cursorpass" when ResultFile() is { } file:
            return ContenderCommand.RunCursorPass(settings, file);
        case "micro":
            return MicroCommand.Run(settings, rest, args);
        case "tables":
            return TablesCommand.Run(settings, rest.Count > 0 ? rest : UciTable.Names, args);
        case "serve-load":
            return ServeLoadCommand.Run(settings, rest, args);
        case "datapass":
            return DataPassCommand.Run(rest, settings.DataDirectory);
        case "checkpoint":
            return CheckpointCommand.Run(rest, settings);
        case "list":
            foreach (var contender in ContenderCatalog.All)
                Console.WriteLine(contender.Name);
            return 0;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}
catch (Exception e) when (e is ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
