using System.Globalization;

namespace MnistPipeline.Bench.Compare;

/// <summary>One target (issues 6, 12 and 13) with what this run measured; Met is null when a contender is missing or the line is context.</summary>
internal sealed record TargetCheck(string Target, string Measured, bool? Met)
{
    /// <summary>Issue 13: the tutorial preset's epoch over the plain loop's.</summary>
    public const double TutorialRatioTarget = 0.75;

    /// <summary>Issue 13: the recommended preset's epoch over its plain loop's, as measured before the fused step (bench/results/2026-11-27.md).</summary>
    public const double RecommendedRatioBefore = 1.015;

    /// <summary>Issue 13: the trainer's data read over a cursor pass of the same view.</summary>
    public const double ReadRatioTarget = 2.0;

    /// <summary>"Same test accuracy": within this many of 10,000 test images (the fused step is equal to autograd up to float rounding, not bit for bit).</summary>
    public const double SameAccuracy = 0.0015;

    /// <summary>
    /// A trainer's epoch over its peer's, per training row: a preset that keeps rows out of training
    /// (for calibration) has shorter epochs than a loop over every row, and must not get credit for it.
    /// </summary>
    public static double EpochRatio(ContenderResult trainer, double trainerEpoch, ContenderResult peer, double peerEpoch)
        => trainer.TrainingRows > 0 && peer.TrainingRows > 0
            ? trainerEpoch / trainer.TrainingRows / (peerEpoch / peer.TrainingRows)
            : trainerEpoch / peerEpoch;

    /// <summary>The rows each side trained on, when they differ (the ratio is then per row).</summary>
    public static string RowsNote(ContenderResult trainer, ContenderResult peer)
        => trainer.TrainingRows == peer.TrainingRows ? "" : F($"; per training row: {trainer.TrainingRows:N0} vs {peer.TrainingRows:N0} rows trained");

    public static IReadOnlyList<TargetCheck> Evaluate(IReadOnlyList<ContenderSummary> contenders, IReadOnlyList<CursorPassTiming>? cursorPasses = null)
    {
        ContenderResult? Find(string name) => contenders.FirstOrDefault(c => c.Contender == name)?.Median is { Skipped: null } r ? r : null;
        var tutorial = Find("mlp-tutorial");
        var plain = Find("plain-torchsharp-tutorial");
        var recommended = Find("mlp-recommended");
        var plainRecommended = Find("plain-torchsharp-recommended");
        var lightGbm = Find("lightgbm");
        var sdca = Find("sdca-maxent");
        var checks = new List<TargetCheck>();

        const string tutorialTarget = "MlpTrainer tutorial-preset epoch time ≤ 0.75 × the plain TorchSharp loop's, same test accuracy";
        if (tutorial?.EpochSecondsMedian is double t && plain?.EpochSecondsMedian is double p)
        {
            double ratio = EpochRatio(tutorial, t, plain, p);
            bool sameAccuracy = tutorial.TestAccuracy is double ta && plain.TestAccuracy is double pa && Math.Abs(ta - pa) <= SameAccuracy;
            checks.Add(new(tutorialTarget,
                F($"{ratio:F3}× (median epoch {t:F3} s vs {p:F3} s{RowsNote(tutorial, plain)}; whole train wall {tutorial.TrainWallSeconds:F2} s vs {plain.TrainWallSeconds:F2} s + {plain.DataPrepSeconds:F2} s data prep); ") +
                F($"test accuracy {tutorial.TestAccuracy:F4} vs {plain.TestAccuracy:F4} ({(sameAccuracy ? "same" : "different")}: within {SameAccuracy * 10_000:F0} of 10,000 images counts as same)"),
                ratio <= TutorialRatioTarget && sameAccuracy));
        }
        else
        {
            checks.Add(new(tutorialTarget, "not measured (contender missing)", null));
        }

        const string recommendedTarget = "MlpTrainer recommended-preset epoch time vs its plain loop no slower than before the fused step (1.015×)";
        if (recommended?.EpochSecondsMedian is double r && plainRecommended?.EpochSecondsMedian is double pr)
            checks.Add(new(recommendedTarget,
                F($"{EpochRatio(recommended, r, plainRecommended, pr):F3}× (median epoch {r:F3} s vs {pr:F3} s{RowsNote(recommended, plainRecommended)}); test accuracy {recommended.TestAccuracy:F4} vs {plainRecommended.TestAccuracy:F4}"),
                EpochRatio(recommended, r, plainRecommended, pr) <= RecommendedRatioBefore));
        else
            checks.Add(new(recommendedTarget, "not measured (contender missing)", null));

        const string readTarget = "MlpTrainer's data read ≤ 2 × a full cursor pass of the same view";
        var reads = new[] { tutorial, recommended }.Where(c => c?.DataPrepSeconds is not null).Select(c => c!.DataPrepSeconds!.Value).ToArray();
        if (reads.Length > 0 && cursorPasses is { Count: > 0 })
        {
            double read = reads.Max();
            double first = Statistics.Median(cursorPasses.Select(c => c.FirstPassSeconds));
            double warm = Statistics.Median(cursorPasses.Select(c => c.WarmMedianSeconds));
            checks.Add(new(readTarget,
                F($"{read / first:F2}× the first pass in a fresh process (read {read:F3} s, the slower of the two MlpTrainer contenders, each the first read in its process; first pass {first:F3} s); ") +
                F($"{read / warm:F2}× a warm pass ({warm:F3} s)"),
                read / first <= ReadRatioTarget));
        }
        else
        {
            checks.Add(new(readTarget, "not measured (contender or cursor pass missing)", null));
        }

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
