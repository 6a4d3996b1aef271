using System.Globalization;
using System.Text;
using MnistPipeline.Bench.Compare;

namespace MnistPipeline.Bench.Tables;

/// <summary>One seed of one contender on one table: the metrics of every fold and their mean.</summary>
internal sealed record SeedRun(int Seed, IReadOnlyList<Dictionary<string, double>> Folds, Dictionary<string, double> Mean, double TrainSeconds)
{
    public static SeedRun From(int seed, IReadOnlyList<Dictionary<string, double>> folds, double trainSeconds) =>
        new(seed, folds, folds[0].Keys.ToDictionary(k => k, k => folds.Average(f => f[k])), trainSeconds);
}

/// <summary>A contender on a table over all seeds: the mean of the seeds' fold means, and their range.</summary>
internal sealed record ContenderTableResult(string Contender, string Description, IReadOnlyList<SeedRun> Runs,
    Dictionary<string, double> Mean, Dictionary<string, double> Min, Dictionary<string, double> Max, double TrainSeconds)
{
    public static ContenderTableResult From(TableContender contender, IReadOnlyList<SeedRun> runs)
    {
        if (runs.Count == 0)
            return new(contender.Name, contender.Description, runs, [], [], [], double.NaN);
        var keys = runs[0].Mean.Keys;
        return new(contender.Name, contender.Description, runs,
            keys.ToDictionary(k => k, k => runs.Average(r => r.Mean[k])),
            keys.ToDictionary(k => k, k => runs.Min(r => r.Mean[k])),
            keys.ToDictionary(k => k, k => runs.Max(r => r.Mean[k])),
            runs.Average(r => r.TrainSeconds));
    }
}

/// <summary>One table and every contender on it.</summary>
internal sealed record TableResult(string Table, string Task, int Rows, int Features, IReadOnlyList<ContenderTableResult> Contenders)
{
    public ContenderTableResult? Find(string contender) => Contenders.FirstOrDefault(c => c.Contender == contender && c.Runs.Count > 0);
}

/// <summary>Everything one <c>tables</c> run measured: the JSON file, and the Markdown tables.</summary>
internal sealed record TablesReport
{
    public required DateTimeOffset Started { get; init; }
    public required DateTimeOffset Finished { get; init; }
    public required MachineInfo Machine { get; init; }
    public required string Command { get; init; }
    public required int Threads { get; init; }
    public required int[] Seeds { get; init; }
    public required double[] LoadAverageStartEnd { get; init; }
    public string? Note { get; init; }
    public required IReadOnlyList<TableResult> Tables { get; init; }
    public required IReadOnlyList<TargetCheck> Targets { get; init; }

    /// <summary>Issue 12's targets: on every multiclass table, MlpTrainer ≥ LbfgsMaximumEntropy and within 0.01 of scikit-learn's MLP.</summary>
    public static IReadOnlyList<TargetCheck> Evaluate(IReadOnlyList<TableResult> tables)
    {
        var checks = new List<TargetCheck>();
        foreach (var table in tables.Where(t => t.Task == nameof(TableTask.Multiclass)))
        {
            var mlp = table.Find("mlp");
            var lbfgs = table.Find("lbfgs-maxent");
            var sklearn = table.Find("sklearn-mlp");
            if (mlp is null || lbfgs is null || sklearn is null)
            {
                checks.Add(new($"{table.Table}: MlpTrainer ≥ LbfgsMaximumEntropy and ≥ scikit-learn's MLP − 0.01", "not measured (a contender failed)", null));
                continue;
            }
            double m = mlp.Mean["accuracy"], l = lbfgs.Mean["accuracy"], s = sklearn.Mean["accuracy"];
            checks.Add(new($"{table.Table}: MlpTrainer accuracy ≥ LbfgsMaximumEntropy's",
                F($"{m:F4} vs {l:F4} ({m - l:+0.0000;-0.0000})") + SeedRange(mlp), m >= l - 1e-9));
            checks.Add(new($"{table.Table}: MlpTrainer accuracy within 0.01 of scikit-learn's MLPClassifier((256, 128))",
                F($"{m:F4} vs {s:F4} ({m - s:+0.0000;-0.0000})"), m >= s - 0.01 - 1e-9));
        }
        return checks;
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(F($"# MnistPipeline on small tables, {Started:yyyy-MM-dd HH:mm} UTC")).AppendLine();
        md.AppendLine(F($"- Machine: {Machine.Describe()}"));
        md.AppendLine($"- Command: `{Command}`");
        md.AppendLine(F($"- Threads: {Threads} for every contender (libtorch, ML.NET trainers, numpy's BLAS); seeds {string.Join(", ", Seeds)} (MLContext and scikit-learn's random_state); values are means over the 5 folds{(Seeds.Length > 1 ? ", then over the seeds, with the seeds' range in brackets" : "")}."));
        md.AppendLine(F($"- 1-minute load average at start / end: {LoadAverageStartEnd[0]:F2} / {LoadAverageStartEnd[1]:F2}; run took {(Finished - Started).TotalMinutes:F1} min. Accuracy does not depend on the load; the seconds do."));
        if (!string.IsNullOrWhiteSpace(Note))
            md.AppendLine($"- **Note:** {Note}");
        md.AppendLine("- Data: scikit-learn's bundled copies of the UCI tables, exported by `scripts/export_uci_tables.py` with its 5-fold split (stratified for classification, shuffled with seed 0); every contender trains on four folds and is measured on the fifth, the same folds for all.");
        md.AppendLine("- ML.NET pipelines, as a new user writes them: `MapValueToKey(\"Label\")` (multiclass) and `NormalizeMeanVariance(\"Features\")`, then the trainer with its default options (only the thread count set). scikit-learn: `StandardScaler` then the MLP with its defaults (`sklearn_tables.py`).");
        md.AppendLine();

        foreach (var group in Tables.GroupBy(t => t.Task))
        {
            var task = Enum.Parse<TableTask>(group.Key);
            string[] metrics = task switch
            {
                TableTask.Multiclass => ["accuracy", "logLoss", "ece"],
                TableTask.Binary => ["accuracy", "auc", "logLoss", "ece"],
                _ => ["r2", "rmse"],
            };
            md.AppendLine($"## {group.Key}").AppendLine();
            md.AppendLine($"| table | contender | {string.Join(" | ", metrics.Select(Header))} | train s (5 folds) |");
            md.AppendLine($"|---|---|{string.Concat(metrics.Select(_ => "---:|"))}---:|");
            foreach (var table in group)
            {
                foreach (var c in table.Contenders)
                {
                    string cells = c.Runs.Count == 0
                        ? string.Join(" | ", metrics.Select(_ => "**failed**"))
                        : string.Join(" | ", metrics.Select(m => c.Mean.ContainsKey(m) ? F($"{c.Mean[m]:F4}") + Range(c, m) : "—"));
                    md.AppendLine(F($"| {table.Table} ({table.Rows} × {table.Features}) | {c.Contender} | {cells} | {c.TrainSeconds:F1} |"));
                }
            }
            md.AppendLine();

            var networks = group.SelectMany(t => t.Contenders.Where(c => c.Mean.ContainsKey("temperature")).Select(c => (t.Table, c))).ToArray();
            if (networks.Length > 0)
            {
                md.AppendLine("Calibration of the network (temperature fitted after training on the rows kept out of training; \"at T = 1\": the network's own probabilities, recovered from the calibrated scores):").AppendLine();
                md.AppendLine("| table | contender | temperature (mean over folds) | log-loss at T = 1 | log-loss | ECE at T = 1 | ECE |");
                md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
                foreach (var (table, c) in networks)
                    md.AppendLine(F($"| {table} | {c.Contender} | {c.Mean["temperature"]:G4} | {c.Mean["logLossUncalibrated"]:F4} | {c.Mean["logLoss"]:F4} | {c.Mean["eceUncalibrated"]:F4} | {c.Mean["ece"]:F4} |"));
                md.AppendLine();
            }
        }

        md.AppendLine("## Targets (issue 12)").AppendLine();
        md.AppendLine("| target | measured | met |").AppendLine("|---|---|---|");
        foreach (var target in Targets)
            md.AppendLine($"| {target.Target} | {target.Measured} | {(target.Met switch { true => "yes", false => "**no**", null => "—" })} |");
        md.AppendLine();

        md.AppendLine("## Contenders").AppendLine();
        foreach (var c in Tables.SelectMany(t => t.Contenders).DistinctBy(c => (c.Contender, c.Description)))
            md.AppendLine($"- `{c.Contender}`: {c.Description}");
        md.AppendLine();
        md.AppendLine("ECE: expected calibration error of the top-label confidence, 15 equal-width bins (Guo et al. 2017). Log-loss: ML.NET's evaluators (probabilities clamped at 1e-15), scikit-learn's `log_loss`.");
        return md.ToString();
    }

    private static string SeedRange(ContenderTableResult c) => c.Runs.Count > 1
        ? F($"; seeds {string.Join(", ", c.Runs.Select(r => r.Mean["accuracy"].ToString("F4", CultureInfo.InvariantCulture)))}")
        : "";

    private string Range(ContenderTableResult c, string metric) => Seeds.Length > 1 && c.Min.ContainsKey(metric)
        ? F($" ({c.Min[metric]:F4}–{c.Max[metric]:F4})")
        : "";

    private static string Header(string metric) => metric switch
    {
        "accuracy" => "accuracy",
        "logLoss" => "log-loss",
        "ece" => "ECE (15 bins)",
        "auc" => "AUC",
        "r2" => "R²",
        "rmse" => "RMSE",
        _ => metric,
    };

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
