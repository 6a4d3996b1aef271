using System.Text;
using System.Text.Json;
using MnistPipeline.Bench.Compare;
using static System.FormattableString;

namespace MnistPipeline.Bench.ServeLoad;

/// <summary>The load test's results, written as <c>&lt;date&gt;-serve.md</c> and <c>.json</c>.</summary>
internal sealed record ServeLoadResult
{
    public required DateTimeOffset StartedUtc { get; init; }
    public required string Machine { get; init; }
    public required string CommandLine { get; init; }
    public string? Note { get; init; }
    public required double InProcessEngineP50Us { get; init; }
    public required double InProcessEngineP99Us { get; init; }
    public required double InProcessPngP50Us { get; init; }
    public required double InProcessPngP99Us { get; init; }
    public required IReadOnlyList<PhaseResult> Phases { get; init; }
    public required string[] ServerLog { get; init; }

    public (string Markdown, string Json) Write(string folder)
    {
        Directory.CreateDirectory(folder);
        string stem = Path.Combine(folder, $"{StartedUtc:yyyy-MM-dd}-serve");
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(this, Json.Options));
        File.WriteAllText(stem + ".md", Markdown());
        return (stem + ".md", stem + ".json");
    }

    private string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant($"# MnistPipeline serve load test, {StartedUtc:yyyy-MM-dd HH:mm} UTC"));
        md.AppendLine();
        md.AppendLine($"- Machine: {Machine}");
        md.AppendLine($"- Command: `{CommandLine}`");
        if (Note is not null)
            md.AppendLine($"- Note: {Note}");
        md.AppendLine("- Server: the sample's `serve` in its own process on 127.0.0.1 (Kestrel, workstation GC), the recommended preset trained on real MNIST; the load generator is this process (HttpClient, one connection per client, closed loop: each client sends its next request when the answer arrives). Client and server share the machine's cores.");
        md.AppendLine("- Inputs: `png` = MNIST test digits drawn black on a white 280 × 280 canvas (as the page sends), decoded and prepared by the server (`MnistDigitImage.FromBytes`); `json` = `{\"pixels\": [784 values 0..1]}`, the model's input directly.");
        md.AppendLine("- Swapping phases: another thread re-saves the served file with `mlContext.Model.SaveAtomically` every few seconds, alternating two models (seeds 1 and 2), so every save is a new file the server must load and swap in.");
        md.AppendLine();
        md.AppendLine("| phase | clients | requests | requests/s | p50 ms | p99 ms | max ms | errors | model saves | swaps seen by the server | versions answering | 1-min load average start → end |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var p in Phases)
        {
            md.AppendLine(Invariant($"| {p.Name} | {p.Clients} | {p.Requests:N0} | {p.RequestsPerSecond:N0} | {p.P50Ms:F2} | {p.P99Ms:F2} | {p.MaxMs:F1} | {p.Errors}{(p.Errors > 0 ? " (" + string.Join(", ", p.ErrorKinds.Select(k => $"{k.Key}: {k.Value}")) + ")" : "")} | {p.ModelSaves} | {p.SwapsSeenByServer} | {p.VersionsAnswered} | {p.LoadAverageStart:F2} → {p.LoadAverageEnd:F2} |"));
        }
        md.AppendLine();
        md.AppendLine("In process, for comparison (same model, one thread, no HTTP):");
        md.AppendLine();
        md.AppendLine("| path | p50 µs | p99 µs |");
        md.AppendLine("|---|---:|---:|");
        md.AppendLine(Invariant($"| PredictionEngine, raw 28 × 28 image | {InProcessEngineP50Us:F1} | {InProcessEngineP99Us:F1} |"));
        md.AppendLine(Invariant($"| 280 × 280 PNG: decode + prepare + PredictionEngine | {InProcessPngP50Us:F1} | {InProcessPngP99Us:F1} |"));
        if (ServerLog.Length > 0)
        {
            md.AppendLine();
            md.AppendLine("Server log (swap lines left out):");
            md.AppendLine();
            md.AppendLine("```");
            foreach (string line in ServerLog)
                md.AppendLine(line);
            md.AppendLine("```");
        }
        return md.ToString();
    }
}
