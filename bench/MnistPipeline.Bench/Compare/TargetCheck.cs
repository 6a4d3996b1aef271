using System.Globalization;

namespace MnistPipeline.Bench.Compare;

/// <summary>One target of issue 6 with the ratio measured in this run; Met is null when a contender is missing.</summary>
internal sealed record TargetCheck(string Target, string Measured, bool? Met)
{
    public static IReadOnlyList<TargetCheck> Evaluate(IReadOnlyList<ContenderSummary> contenders)
    {
        ContenderResult? Find(string name) => contenders.FirstOrDefault(c => c.Contender == name)?.Median is { Skipped: null } r ? r : null;
        var tutorial = Find("mlp-tutorial");
        var plain = Find("plain-torchsharp-tutorial");
        var recommended = Find("mlp-recommended");
        var plainRecommended = Find("plain-torchsharp-recommended");
        var lightGbm = Find("lightgbm");
        var sdca = Find("sdca-maxent");
        var checks = new List<TargetCheck>();

        if (tutorial?.EpochSecondsMedian is double t && plain?.EpochSecondsMedian is double p)
        {
            double ratio = t / p;
            checks.Add(new("MlpTrainer tutorial-preset epoch time ≤ 1.10 × the plain TorchSharp loop's",
                F($"{ratio:F3}× (median epoch {t:F3} s vs {p:F3} s; whole train wall {tutorial.TrainWallSeconds:F2} s vs {plain.TrainWallSeconds:F2} s + {plain.DataPrepSeconds:F2} s data prep)"),
                ratio <= 1.10));
        }
        else
        {
            checks.Add(new("MlpTrainer tutorial-preset epoch time ≤ 1.10 × the plain TorchSharp loop's", "not measured (contender missing)", null));
        }

        if (recommended?.EpochSecondsMedian is double r && plainRecommended?.EpochSecondsMedian is double pr)
            checks.Add(new("(context) MlpTrainer recommended-preset epoch time vs the plain loop of the same recipe",
                F($"{r / pr:F3}× (median epoch {r:F3} s vs {pr:F3} s)"), null));

        if (recommended is not null && lightGbm is not null)
        {
            bool accuracy = recommended.TestAccuracy > lightGbm.TestAccuracy;
            bool time = recommended.TrainWallSeconds < lightGbm.TrainWallSeconds;
            checks.Add(new("Recommended preset beats LightGbm on test accuracy and on training time",
                F($"accuracy {recommended.TestAccuracy:F4} vs {lightGbm.TestAccuracy:F4} ({(accuracy ? "better" : "not better")}); ") +
                F($"train wall {recommended.TrainWallSeconds:F2} s vs {lightGbm.TrainWallSeconds:F2} s ({recommended.TrainWallSeconds / lightGbm.TrainWallSeconds:F2}×, {(time ? "faster" : "not faster")})"),
                accuracy && time));
        }
        else
        {
            checks.Add(new("Recommended preset beats LightGbm on test accuracy and on training time", "not measured (contender missing)", null));
        }

        string Latency(ContenderResult? c) => c?.LatencyP50Microseconds is double p50 ? F($"p50 {p50:F1} µs / p99 {c.LatencyP99Microseconds:F1} µs") : "—";
        var mlp = recommended ?? tutorial;
        checks.Add(new("Loaded MLP model's single-image latency next to SdcaMaximumEntropy's",
            $"MLP (recommended) {Latency(recommended)}; MLP (tutorial) {Latency(tutorial)}; SdcaMaximumEntropy {Latency(sdca)}",
            null));
        if (mlp?.BulkRowsPerSecond is not null)
        {
            double worst = new[] { recommended?.BulkRowsPerSecond, tutorial?.BulkRowsPerSecond }.Where(b => b.HasValue).Min(b => b!.Value);
            checks.Add(new("Bulk scoring of the loaded MLP model ≥ 20,000 rows/s",
                F($"{worst:N0} rows/s (lower of the two MLP models; {worst / 20_000:F2}× the target)"), worst >= 20_000));
        }
        else
        {
            checks.Add(new("Bulk scoring of the loaded MLP model ≥ 20,000 rows/s", "not measured (contender missing)", null));
        }
        checks.AddRange(ConvNetTargets.Evaluate(Find));
        return checks;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
