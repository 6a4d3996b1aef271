using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MnistPipeline.Bench.Compare;

/// <summary>Writes a <see cref="ComparisonReport"/> as Markdown (the table and its notes) and as JSON (every value of every run).</summary>
internal static class ResultTableWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static (string Markdown, string Json) Write(ComparisonReport report, string folder)
    {
        Directory.CreateDirectory(folder);
        string stem = Path.Combine(folder, report.Started.ToString("yyyy-MM-dd", Invariant));
        string markdownPath = stem + ".md", jsonPath = stem + ".json";
        File.WriteAllText(markdownPath, ToMarkdown(report));
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, Json.Options) + "\n");
        return (markdownPath, jsonPath);
    }

    public static string ToMarkdown(ComparisonReport report)
    {
        var md = new StringBuilder();
        md.AppendLine(F($"# MnistPipeline benchmarks, {report.Started:yyyy-MM-dd HH:mm} UTC"));
        md.AppendLine();
        md.AppendLine(F($"- Machine: {report.Machine.Describe()}"));
        md.AppendLine(F($"- Command: `{report.Command}`"));
        md.AppendLine(F($"- Threads: {report.Threads} for every contender; seed {report.Seed}; {report.Repeats} repeat(s), each contender in a fresh process per repeat; the table shows medians over repeats."));
        md.AppendLine(F($"- 1-minute load average at start / end: {report.LoadAverageStartEnd[0]:F2} / {report.LoadAverageStartEnd[1]:F2}; run took {(report.Finished - report.Started).TotalMinutes:F1} min."));
        if (!string.IsNullOrWhiteSpace(report.Note))
            md.AppendLine($"- **Note:** {report.Note}");
        md.AppendLine("- Data: real MNIST, 60,000 training and 10,000 test images; every ML.NET pipeline uses the same features (`ScalePixels` → `FlattenImage`, 784 floats in 0..1), except the ConvNet contenders (`ScalePixels` alone: the 28 × 28 image).");
        md.AppendLine();

        long rows = report.Contenders.Select(c => c.Median?.TrainingRows ?? 0).DefaultIfEmpty(0).Max() is > 0 and var most ? most : 60_000; // the whole training set (a preset may keep rows out)
        double? fastestEpoch = report.Limit?.FastestEpochSeconds(rows);
        md.AppendLine("| contender | epochs | train wall s | data prep s | epoch s (median) | epoch ÷ own products | epoch ÷ fastest possible | train samples/s | test accuracy | log-loss | peak memory MB (after train / end) | model file | latency p50 / p99 µs | bulk rows/s |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var contender in report.Contenders)
            md.AppendLine(Row(contender, contender.Median?.TrainingFlopsPerSample is double flops ? report.Limit?.FastestEpochSeconds(rows, flops) : fastestEpoch, report.Limit));
        if (report.Limit is { } limit)
        {
            foreach (var recipe in limit.RecipeGemms ?? [])
            {
                double own = recipe.BestEpochSeconds;
                md.AppendLine(F($"| **recipe products, batch {recipe.BatchSize}** (torch.addmm/mm alone) | 10 | {10 * own:F2} | — | {own:F3} | 1.00× | {own / limit.FastestEpochSeconds(rows):F1}× | {rows / own:N0} | — | — | — | — | — | — |"));
            }
            double epoch = limit.FastestEpochSeconds(rows);
            md.AppendLine(F($"| **machine limit** (torch.mm {limit.MatrixSize}², {limit.BestGflops:F1} GFLOP/s) | 10 | {10 * epoch:F2} | — | {epoch:F3} | — | 1.00× | {rows / epoch:N0} | — | — | — | — | — | — |"));
        }
        md.AppendLine();

        var calibrated = report.Contenders.Where(c => c.Median is { Skipped: null, ExpectedCalibrationError: not null }).ToArray();
        if (calibrated.Length > 0)
        {
            md.AppendLine("## Calibration");
            md.AppendLine();
            md.AppendLine("How far the test-set probabilities can be trusted. MlpTrainer fits a temperature T after training on rows kept out of the training images (its log says how many) and scores softmax(outputs / T); \"at T = 1\" is the network's own softmax, recovered exactly from the calibrated scores. ECE: expected calibration error, 15 equal-width confidence bins (Guo et al. 2017).");
            md.AppendLine();
            md.AppendLine("| contender | test accuracy | temperature | log-loss at T = 1 | log-loss | ECE at T = 1 | ECE |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var c in calibrated)
            {
                var m = c.Median!;
                md.AppendLine(F($"| {c.Contender} | {Value(m.TestAccuracy, "F4")} | {Value(m.Temperature, "G4")} | {Value(m.LogLossUncalibrated, "F4")} | {Value(m.LogLoss, "F4")} | {Value(m.ExpectedCalibrationErrorUncalibrated, "F4")} | {Value(m.ExpectedCalibrationError, "F4")} |"));
            }
            md.AppendLine();
        }

        md.AppendLine("## Targets (issues 6, 12, 13 and 16)");
        md.AppendLine();
        md.AppendLine("| target | measured | met |");
        md.AppendLine("|---|---|---|");
        foreach (var target in report.Targets)
            md.AppendLine($"| {target.Target} | {target.Measured} | {(target.Met switch { true => "yes", false => "**no**", null => "—" })} |");
        md.AppendLine();

        md.AppendLine("## The limit");
        md.AppendLine();
        if (report.Limit is { } l)
        {
            md.AppendLine(F($"- float32 matrix multiply, TorchSharp `torch.mm` of two {l.MatrixSize} × {l.MatrixSize} matrices, {l.Threads} threads: best {l.BestGflops:F1} GFLOP/s, median {l.MedianGflops:F1} GFLOP/s over {l.GflopsPerRepeat.Length} products (after 2 warm-ups)."));
            md.AppendLine(F($"- {MachineLimit.Formula}: {l.FlopsPerEpoch(rows) / 1e9:F1} GFLOP per epoch of {rows:N0} rows."));
            md.AppendLine(F($"- Fastest possible epoch = FLOPs per epoch ÷ best rate = {l.FastestEpochSeconds(rows):F3} s. \"epoch ÷ fastest possible\" is each contender's median epoch over that."));
            foreach (var recipe in l.RecipeGemms ?? [])
                md.AppendLine(F($"- The recipe's own products at batch {recipe.BatchSize}, timed alone ({RecipeGemmLimit.Products}), {recipe.Threads} threads, {recipe.Rows:N0} rows: best epoch {recipe.BestEpochSeconds:F3} s, median {recipe.MedianEpochSeconds:F3} s over {recipe.EpochSecondsPerRepeat.Length} epochs after a warm-up; the unneeded first-layer input gradient would add {recipe.FirstLayerInputGradientSeconds:F3} s. \"epoch ÷ own products\" is each contender's median epoch over the best epoch of its batch size: the element-wise work, the optimizer and every per-call overhead."));
            md.AppendLine("- ConvNet rows: their own FLOPs per sample (2 per multiply-add of every convolution and dense layer, × 3 for forward and backward; pooling, batch norm and activations left out) over the same rate: a convolution on a CPU runs far from the matrix-multiply rate.");
        }
        else
        {
            md.AppendLine($"- Not measured: {report.LimitError}");
        }
        if (report.CursorPasses is { Count: > 0 } passes)
            md.AppendLine(F($"- Cursor pass over MlpTrainer's view (LoadMnist → ScalePixels → FlattenImage, Label + Features, {passes[0].Rows:N0} rows), in a fresh process per repeat: first pass {Statistics.Median(passes.Select(p => p.FirstPassSeconds)):F3} s, warm passes {Statistics.Median(passes.Select(p => p.WarmMedianSeconds)):F3} s (medians over repeats). MlpTrainer's \"data prep s\" is its read of the same view, the first in its process."));
        if (report.WeightDifferences is { Count: > 0 } differences)
            foreach (var (recipe, values) in differences)
                md.AppendLine(F($"- Weights at the end, `mlp-{recipe}` vs `plain-torchsharp-{recipe}` (same recipe, seed and initial weights): largest absolute difference {values.Max():E2} (per repeat: {string.Join(", ", values.Select(v => v.ToString("E2", Invariant)))})."));
        md.AppendLine();

        md.AppendLine("## Contenders and columns");
        md.AppendLine();
        foreach (var contender in report.Contenders)
        {
            var m = contender.Median;
            string what = m?.Skipped is { } skipped ? $"skipped: {skipped}" : m?.Description ?? "failed";
            md.AppendLine($"- `{contender.Contender}`: {what}{Facts(m)}{LoadAverages(contender)}");
            foreach (string error in contender.Errors)
                md.AppendLine($"  - **error:** {error.Split('\n')[0]}");
        }
        md.AppendLine();
        md.AppendLine("- **train wall s**: ML.NET pipelines: `pipeline.Fit(trainDataView)` (transform fitting, reading the IDataView, training, building the scoring model); plain loops and PyTorch: from float tensors already in memory to trained weights.");
        md.AppendLine("- **data prep s**: plain loops and PyTorch: IDX files → float tensors (not in the train wall); MlpTrainer: the IDataView read into tensors, as its log reports it (inside the train wall); — where it cannot be separated.");
        md.AppendLine("- **epoch s**: median wall time of one epoch (MlpTrainer: `EpochCompleted`'s `Elapsed`); — for trainers without epochs.");
        md.AppendLine("- **epoch ÷ own products**: epoch s over one epoch of the recipe's own matrix products at its batch size, timed alone (see The limit): 1.00× would be a loop that costs nothing but its products; — for the ConvNet rows (their products are convolutions, not these).");
        md.AppendLine("- **train samples/s**: training rows × epochs ÷ train wall (× 1 for trainers without epochs).");
        md.AppendLine("- **test accuracy / log-loss**: on the 10,000 test images; ML.NET's `MulticlassClassification.Evaluate` (micro accuracy), or log-softmax of the logits for the plain loops and PyTorch.");
        md.AppendLine("- **peak memory**: VmHWM (peak resident set) of the contender's own process right after training / at its end (after evaluating, saving, loading and scoring).");
        md.AppendLine("- **model file**: ML.NET: the `mlContext.Model.Save` .zip; plain TorchSharp loop: `Module.save` weights; PyTorch: `torch.save(state_dict)`.");
        md.AppendLine(F($"- **latency**: the saved model loaded in a fresh `MLContext`, a `PredictionEngine` fed the raw 28 × 28 image (the saved pipeline scales and flattens it), 500 warm-up predictions, then {report.Contenders.Select(c => c.Median?.LatencyPredictions).FirstOrDefault(n => n is not null) ?? 0:N0} timed single predictions; p50 / p99."));
        md.AppendLine("- **bulk rows/s**: `Transform` of the loaded model over the 10,000 test rows, a cursor reading `Score` and `PredictedLabel` of every row; one warm-up pass, median of the timed passes.");
        md.AppendLine();
        return md.ToString();
    }

    private static string Row(ContenderSummary contender, double? fastestEpoch, MachineLimit? limit)
    {
        var m = contender.Median;
        if (m is null)
            return $"| {contender.Contender} | **failed** | | | | | | | | | | | | |";
        if (m.Skipped is not null)
            return $"| {contender.Contender} | skipped | | | | | | | | | | | | |";
        string name = contender.Failed ? $"{contender.Contender} (**{contender.Errors.Count} failed run(s)**)" : contender.Contender;
        string multiple = m.EpochSecondsMedian is double e && fastestEpoch is double f ? F($"{e / f:F1}×") : "—";
        string overOwn = m.EpochSecondsMedian is double epoch && m.TrainingFlopsPerSample is null && limit?.RecipeGemmsOf(m.BatchSize) is { } own ? F($"{epoch / own.BestEpochSeconds:F2}×") : "—";
        string memory = m.PeakRssBytes is long end ? F($"{Mb(m.PeakRssAfterTrainBytes)} / {Mb(end)}") : "—";
        string model = m.ModelFileBytes is long size ? F($"{size / 1024.0:N0} KB") : "—";
        string latency = m.LatencyP50Microseconds is double p50 ? F($"{p50:F0} / {m.LatencyP99Microseconds:F0}") : "—";
        return F($"| {name} | {Value(m.Epochs)} | {Value(m.TrainWallSeconds, "F2")} | {Value(m.DataPrepSeconds, "F2")} | {Value(m.EpochSecondsMedian, "F3")} | {overOwn} | {multiple} | {Value(m.TrainSamplesPerSecond, "N0")} | {Value(m.TestAccuracy, "F4")} | {Value(m.LogLoss, "F4")} | {memory} | {model} | {latency} | {Value(m.BulkRowsPerSecond, "N0")} |");
    }

    private static string Facts(ContenderResult? m)
    {
        if (m is null)
            return "";
        var parts = new List<string>();
        if (m.Threads > 0)
            parts.Add(F($"threads {m.Threads}"));
        if (m.BatchSize is int batch)
            parts.Add(F($"batch {batch}"));
        if (m.LoadedModelAccuracy is double loaded && m.TestAccuracy is double accuracy && Math.Abs(loaded - accuracy) > 1e-9)
            parts.Add(F($"**loaded model accuracy {loaded:F4} differs**"));
        if (m.LatencyAccuracy is double engine)
            parts.Add(F($"PredictionEngine accuracy over the timed predictions {engine:F4}"));
        if (m.Facts is { Count: > 0 } facts)
            parts.AddRange(facts.Select(kv => $"{kv.Key}: {kv.Value}"));
        return parts.Count == 0 ? "" : " (" + string.Join("; ", parts) + ")";
    }

    /// <summary>The 1-minute load average at the start and end of every run: how busy the machine was.</summary>
    private static string LoadAverages(ContenderSummary contender)
    {
        var runs = contender.Runs.Where(r => r.LoadAverage is { Length: 2 }).Select(r => F($"{r.LoadAverage![0]:F1}→{r.LoadAverage[1]:F1}")).ToArray();
        return runs.Length == 0 ? "" : $"; load average during the run(s): {string.Join(", ", runs)}";
    }

    private static string Mb(long? bytes) => bytes is long b ? (b / 1e6).ToString("F0", Invariant) : "—";

    private static string Value(int? value) => value?.ToString(Invariant) ?? "—";

    private static string Value(double? value, string format) => value?.ToString(format, Invariant) ?? "—";

    private static string F(FormattableString s) => s.ToString(Invariant);
}
