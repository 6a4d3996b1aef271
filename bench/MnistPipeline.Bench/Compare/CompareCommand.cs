using MnistPipeline.Bench.Contenders;
using MnistPipeline.Data;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// <c>compare</c>: the machine-limit probe (2048² products and the recipes' own products), the
/// cursor pass over the trainer's view, then every contender in a fresh child process, repeated
/// round-robin (repeat 1 of all, then repeat 2 of all, …) so that drift on the machine spreads
/// over all of them; after each repeat, how far MlpTrainer's weights ended from the plain loop's
/// of the same recipe; then the Markdown and JSON tables. Exits non-zero if any run failed.
/// </summary>
internal static class CompareCommand
{
    public static int Run(BenchSettings settings, IReadOnlyList<string> commandLine)
    {
        var started = DateTimeOffset.UtcNow;
        double loadStart = ProcessFacts.LoadAverage1() ?? double.NaN;
        var machine = MachineInfo.Read();
        var contenders = settings.Contenders?.Select(ContenderCatalog.Find).ToArray() ?? ContenderCatalog.All.ToArray();
        Console.WriteLine($"compare: {contenders.Length} contenders × {settings.Repeats} repeat(s), {settings.Threads} threads each, seed {settings.Seed}");
        Console.WriteLine($"machine: {machine.Describe()}");
        if (loadStart > 0.5)
            Console.WriteLine($"warning: 1-minute load average is {loadStart:F2}; timings will be contaminated by other work on this machine.");
        MnistFiles.Ensure(settings.DataDirectory); // fetch once, before anything is timed

        var runs = contenders.ToDictionary(c => c.Name, _ => new List<ContenderResult>());
        var errors = contenders.ToDictionary(c => c.Name, _ => new List<string>());
        var limits = new List<MachineLimit>();
        string? limitError = null;
        var cursorPasses = new List<CursorPassTiming>();
        var weightDifferences = WeightPairs.ToDictionary(p => p.Recipe, _ => new List<double>());
        string weights = Directory.CreateTempSubdirectory("mnistpipeline-bench-weights-").FullName;
        settings = settings with { WeightsDirectory = weights };
        for (int repeat = 1; repeat <= settings.Repeats; repeat++)
        {
            try
            {
                Console.WriteLine($"== repeat {repeat}/{settings.Repeats}: machine limit (torch.mm {settings.MatrixSize}²)");
                var limit = ChildProcess.Run<MachineLimit>(["limit"], settings);
                limits.Add(limit);
                Console.WriteLine($"   best {limit.BestGflops:F1} GFLOP/s, median {limit.MedianGflops:F1} GFLOP/s");
                foreach (var recipe in limit.RecipeGemms ?? [])
                    Console.WriteLine(FormattableString.Invariant($"   recipe products at batch {recipe.BatchSize}: best epoch {recipe.BestEpochSeconds:F3} s (+ {recipe.FirstLayerInputGradientSeconds:F3} s for the unneeded first-layer input gradient)"));
            }
            catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
            {
                limitError = e.Message;
                Console.Error.WriteLine($"error: machine limit: {e.Message}");
            }
            try
            {
                Console.WriteLine($"== repeat {repeat}/{settings.Repeats}: cursor pass over the trainer's view (fresh process)");
                var pass = ChildProcess.Run<CursorPassTiming>(["cursorpass"], settings);
                cursorPasses.Add(pass);
                Console.WriteLine(FormattableString.Invariant($"   first pass {pass.FirstPassSeconds:F3} s, warm median {pass.WarmMedianSeconds:F3} s"));
            }
            catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine($"error: cursor pass: {e.Message}");
            }
            foreach (var contender in contenders)
            {
                if (runs[contender.Name].FirstOrDefault()?.Skipped is not null)
                    continue;
                Console.WriteLine($"== repeat {repeat}/{settings.Repeats}: {contender.Name}");
                try
                {
                    var result = ChildProcess.Run<ContenderResult>(["contender", contender.Name], settings);
                    runs[contender.Name].Add(result);
                    Console.WriteLine(Summary(result));
                }
                catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
                {
                    errors[contender.Name].Add(e.Message);
                    Console.Error.WriteLine($"error: {contender.Name}: {e.Message}");
                }
            }
            foreach (var (recipe, trainer, plain) in WeightPairs)
            {
                string? Last(string name) => runs.TryGetValue(name, out var list) && list.Count == repeat ? list[^1].WeightsFile : null;
                if (WeightsFile.MaxDifference(Last(trainer), Last(plain)) is double difference)
                {
                    weightDifferences[recipe].Add(difference);
                    Console.WriteLine(FormattableString.Invariant($"== repeat {repeat}: largest weight difference, {trainer} vs {plain}: {difference:E2}"));
                }
            }
            foreach (string file in Directory.EnumerateFiles(weights))
                File.Delete(file);
        }
        Directory.Delete(weights, recursive: true);

        var summaries = contenders.Select(c => ContenderSummary.From(c.Name, runs[c.Name], errors[c.Name])).ToArray();
        var report = new ComparisonReport
        {
            Started = started,
            Finished = DateTimeOffset.UtcNow,
            Machine = machine,
            Note = settings.Note,
            Threads = settings.Threads,
            Seed = settings.Seed,
            Repeats = settings.Repeats,
            Command = "dotnet run --project bench/MnistPipeline.Bench -c Release -- " + string.Join(' ', commandLine.Select(Quote)),
            LoadAverageStartEnd = [loadStart, ProcessFacts.LoadAverage1() ?? double.NaN],
            Limit = limits.Count == 0 ? null : limits.MaxBy(l => l.BestGflops),
            LimitError = limits.Count == 0 ? limitError : null,
            CursorPasses = cursorPasses,
            WeightDifferences = weightDifferences.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()),
            Contenders = summaries,
            Targets = TargetCheck.Evaluate(summaries, cursorPasses),
        };
        var (markdown, json) = ResultTableWriter.Write(report, settings.OutputDirectory);
        Console.WriteLine();
        Console.WriteLine(ResultTableWriter.ToMarkdown(report));
        Console.WriteLine($"written: {markdown}, {json}");

        int failed = summaries.Sum(s => s.Errors.Count) + (limits.Count == 0 ? 1 : 0);
        if (failed > 0)
            Console.Error.WriteLine($"error: {failed} measurement(s) failed; see the errors above and in the table.");
        return failed == 0 ? 0 : 1;
    }

    private static string Summary(ContenderResult r) => r.Skipped is not null
        ? $"   skipped: {r.Skipped}"
        : FormattableString.Invariant($"   train {r.TrainWallSeconds:F2} s, epoch median {r.EpochSecondsMedian:F3} s, accuracy {r.TestAccuracy:F4}, log-loss {r.LogLoss:F4}, peak {r.PeakRssBytes / 1e6:F0} MB, latency p50 {r.LatencyP50Microseconds:F0} µs, bulk {r.BulkRowsPerSecond:N0} rows/s");

    /// <summary>MlpTrainer and the plain loop of the same recipe: their weights are compared after each repeat.</summary>
    private static readonly (string Recipe, string Trainer, string Plain)[] WeightPairs =
    [
        ("tutorial", "mlp-tutorial", "plain-torchsharp-tutorial"),
        ("recommended", "mlp-recommended", "plain-torchsharp-recommended"),
    ];

    private static string Quote(string argument) => argument.Contains(' ') ? $"\"{argument}\"" : argument;
}
