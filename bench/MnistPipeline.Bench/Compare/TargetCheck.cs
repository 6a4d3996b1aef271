using System.Globalization;

namespace MnistPipeline.Bench.Compare;

/// <summary>One target of issues 6 and 12 with what this run measured; Met is null when a contender is missing or the line is context.</summary>
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

        var best = Find("mlp-best");
        checks.Add(tutorial?.LogLoss is double tutorialLogLoss
            ? new("Tutorial preset: test log-loss ≤ 0.15 after calibration (was 1.5499), accuracy unchanged (0.9669 ± 0.001)",
                F($"log-loss {tutorialLogLoss:F4} (at T = 1: {tutorial.LogLossUncalibrated:F4}), accuracy {tutorial.TestAccuracy:F4}"),
                tutorialLogLoss <= 0.15 && Math.Abs(tutorial.TestAccuracy!.Value - 0.9669) <= 0.001 + 1e-9)
            : new("Tutorial preset: test log-loss ≤ 0.15 after calibration", "not measured (contender missing)", null));
        checks.Add(recommended?.LogLoss is double recommendedLogLoss
            ? new("Recommended preset: test log-loss no worse than 0.058",
                F($"log-loss {recommendedLogLoss:F4} (at T = 1: {recommended.LogLossUncalibrated:F4}), accuracy {recommended.TestAccuracy:F4}"), recommendedLogLoss <= 0.058)
            : new("Recommended preset: test log-loss no worse than 0.058", "not measured (contender missing)", null));
        checks.Add(best?.TestAccuracy is double bestAccuracy
            ? new("Best preset: test accuracy ≥ 0.990 (stretch 0.992) in ≤ 5 minutes of training",
                F($"accuracy {bestAccuracy:F4}, train wall {best.TrainWallSeconds:F1} s ({best.TrainWallSeconds / 60:F2} min); log-loss {best.LogLoss:F4}, ECE {best.ExpectedCalibrationError:F4}"),
                bestAccuracy >= 0.990 && best.TrainWallSeconds <= 300)
            : new("Best preset: test accuracy ≥ 0.990 in ≤ 5 minutes of training", "not measured (contender missing)", null));

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
