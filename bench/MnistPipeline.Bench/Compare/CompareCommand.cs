using MnistPipeline.Bench.Contenders;
using MnistPipeline.Data;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// <c>compare</c>: the machine-limit probe, then every contender in a fresh child process,
/// repeated round-robin (repeat 1 of all, then repeat 2 of all, …) so that drift on the machine
/// spreads over all of them; then the Markdown and JSON tables. Exits non-zero if any run failed.
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
        for (int repeat = 1; repeat <= settings.Repeats; repeat++)
        {
            try
            {
                Console.WriteLine($"== repeat {repeat}/{settings.Repeats}: machine limit (torch.mm {settings.MatrixSize}²)");
                var limit = ChildProcess.Run<MachineLimit>(["limit"], settings);
                limits.Add(limit);
                Console.WriteLine($"   best {limit.BestGflops:F1} GFLOP/s, median {limit.MedianGflops:F1} GFLOP/s");
            }
            catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
            {
                limitError = e.Message;
                Console.Error.WriteLine($"error: machine limit: {e.Message}");
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
        }

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
            Contenders = summaries,
            Targets = TargetCheck.Evaluate(summaries),
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

    private static string Quote(string argument) => argument.Contains(' ') ? $"\"{argument}\"" : argument;
}
