using System.Globalization;
using System.Text;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MnistPipeline.Bench.Compare;

namespace MnistPipeline.Bench.Micro;

/// <summary>
/// <c>micro [--short] [BenchmarkDotNet arguments, e.g. --filter *Prediction*]</c>: the
/// BenchmarkDotNet microbenchmarks, in process (the benchmarks use the libtorch copy this build
/// made loadable; a generated child project would need the same build step), then their GitHub
/// Markdown reports gathered into <c>&lt;out&gt;/&lt;date&gt;-micro.md</c>.
/// </summary>
internal static class MicroCommand
{
    public static int Run(BenchSettings settings, IReadOnlyList<string> rest, IReadOnlyList<string> commandLine)
    {
        MicroSettings.Threads = settings.Threads;
        MicroSettings.DataDirectory = settings.DataDirectory;
        bool shortRun = rest.Contains("--short");
        var arguments = rest.Where(a => a != "--short").ToList();
        if (!arguments.Contains("--filter"))
            arguments.AddRange(["--filter", "*"]);

        string artifacts = Path.GetFullPath(Path.Combine(settings.OutputDirectory, "tmp", "BenchmarkDotNet.Artifacts"));
        var job = (shortRun ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(artifacts);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(arguments.ToArray(), config).ToArray();
        if (summaries.Length == 0)
        {
            Console.Error.WriteLine("error: no benchmark ran (check --filter).");
            return 1;
        }

        var md = new StringBuilder();
        var machine = MachineInfo.Read();
        md.AppendLine(FormattableString.Invariant($"# MnistPipeline microbenchmarks, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        md.AppendLine();
        md.AppendLine($"- Machine: {machine.Describe()}");
        md.AppendLine($"- Command: `dotnet run --project bench/MnistPipeline.Bench -c Release -- {string.Join(' ', commandLine.Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}`");
        md.AppendLine(FormattableString.Invariant($"- BenchmarkDotNet, in-process toolchain, {(shortRun ? "ShortRun job (3 warm-ups, 3 iterations: rough)" : "default job")}; libtorch threads {settings.Threads}; 1-minute load average at the end {ProcessFacts.LoadAverage1():F2}."));
        if (!string.IsNullOrWhiteSpace(settings.Note))
            md.AppendLine($"- **Note:** {settings.Note}");
        md.AppendLine();
        bool failed = false;
        foreach (var summary in summaries)
        {
            failed |= summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success);
            // DefaultConfig's GitHub Markdown exporter writes <type full name>-report-github.md.
            var type = summary.BenchmarksCases.FirstOrDefault()?.Descriptor.Type;
            string report = Path.Combine(summary.ResultsDirectoryPath, $"{type?.FullName}-report-github.md");
            md.AppendLine($"## {type?.Name ?? summary.Title}");
            md.AppendLine();
            md.AppendLine(File.Exists(report) ? File.ReadAllText(report).Trim() : $"(no report: {report} was not written)");
            md.AppendLine();
        }
        Directory.CreateDirectory(settings.OutputDirectory);
        string path = Path.Combine(settings.OutputDirectory, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "-micro.md");
        File.WriteAllText(path, md.ToString());
        Console.WriteLine($"written: {path}");
        if (failed)
            Console.Error.WriteLine("error: a benchmark failed or did not validate; see above.");
        return failed ? 1 : 0;
    }
}
