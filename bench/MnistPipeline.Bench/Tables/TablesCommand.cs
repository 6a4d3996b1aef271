using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Evaluation;
using MnistPipeline.Scoring;

namespace MnistPipeline.Bench.Tables;

/// <summary>
/// <c>tables</c>: every contender of <see cref="TableContender"/> on scikit-learn's UCI tables,
/// 5-fold on the tables' own folds (train on four, test on the fifth), for each seed; writes
/// DIR/&lt;date&gt;-tables.md and .json. Accuracy does not depend on the machine's load; the
/// training seconds do, and are shown for orientation only.
/// </summary>
internal static class TablesCommand
{
    private const string Script = "sklearn_tables.py";

    public static int Run(BenchSettings settings, IReadOnlyList<string> tables, IReadOnlyList<string> commandLine)
    {
        var started = DateTimeOffset.UtcNow;
        double loadStart = ProcessFacts.LoadAverage1() ?? double.NaN;
        string python = FindPythonWithScikitLearn(settings) ?? throw new InvalidOperationException(
            "no python3 here can `import sklearn` (tried --python, python3, /usr/bin/python3); install it with: apt-get install -y python3-sklearn");
        string folder = UciTable.Folder(python);
        int[] seeds = Enumerable.Range(settings.Seed, settings.Repeats).ToArray();
        Console.WriteLine($"tables: {string.Join(", ", tables)}; seeds {string.Join(", ", seeds)}; {settings.Threads} threads; data {folder}");
        if (loadStart > 0.5)
            Console.WriteLine($"warning: 1-minute load average is {loadStart:F2}; the seconds will be contaminated by other work (accuracy is not).");

        var results = new List<TableResult>();
        int failures = 0;
        foreach (string name in tables)
        {
            var table = UciTable.Load(folder, name);
            var task = TableContender.TaskOf(name);
            var contenders = new List<ContenderTableResult>();
            foreach (var contender in TableContender.For(task))
            {
                var runs = new List<SeedRun>();
                foreach (int seed in seeds)
                {
                    Console.WriteLine($"== {name}: {contender.Name}, seed {seed}");
                    try
                    {
                        var run = contender.IsScikitLearn ? ScikitLearn(python, table, task, seed, settings.Threads) : MlNet(contender, table, task, seed, settings.Threads);
                        runs.Add(run);
                        Console.WriteLine("   " + string.Join(", ", run.Mean.Select(kv => FormattableString.Invariant($"{kv.Key} {kv.Value:F4}"))) +
                                          FormattableString.Invariant($"; {run.TrainSeconds:F1} s"));
                    }
                    catch (Exception e) when (e is InvalidOperationException or ArgumentException or JsonException)
                    {
                        failures++;
                        Console.Error.WriteLine($"error: {name} {contender.Name} seed {seed}: {e.Message}");
                    }
                }
                contenders.Add(ContenderTableResult.From(contender, runs));
            }
            results.Add(new TableResult(name, task.ToString(), table.Labels.Length, table.FeatureCount, contenders));
        }

        var report = new TablesReport
        {
            Started = started,
            Finished = DateTimeOffset.UtcNow,
            Machine = MachineInfo.Read(),
            Command = "dotnet run --project bench/MnistPipeline.Bench -c Release -- " + string.Join(' ', commandLine),
            Threads = settings.Threads,
            Seeds = seeds,
            LoadAverageStartEnd = [loadStart, ProcessFacts.LoadAverage1() ?? double.NaN],
            Note = settings.Note,
            Tables = results,
            Targets = TablesReport.Evaluate(results),
        };
        Directory.CreateDirectory(settings.OutputDirectory);
        string stem = Path.Combine(settings.OutputDirectory, started.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "-tables");
        File.WriteAllText(stem + ".md", report.ToMarkdown());
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(report, Json.Options) + "\n");
        Console.WriteLine();
        Console.WriteLine(report.ToMarkdown());
        Console.WriteLine($"written: {stem}.md, {stem}.json");
        return failures == 0 ? 0 : 1;
    }

    /// <summary>The pipeline a new user writes, fitted on four folds and measured on the fifth, for every fold.</summary>
    private static SeedRun MlNet(TableContender contender, UciTable table, TableTask task, int seed, int threads)
    {
        var folds = new List<Dictionary<string, double>>();
        double seconds = 0;
        for (int fold = 0; fold < table.FoldCount; fold++)
        {
            var ml = new MLContext(seed);
            var train = table.View(ml, fold, test: false);
            var test = table.View(ml, fold, test: true);
            IEstimator<ITransformer> pipeline = task == TableTask.Multiclass
                ? ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMeanVariance("Features"))
                : ml.Transforms.NormalizeMeanVariance("Features");
            var clock = Stopwatch.StartNew();
            var model = pipeline.Append(contender.Trainer!(ml, threads)).Fit(train);
            seconds += clock.Elapsed.TotalSeconds;
            try
            {
                var scored = model.Transform(test);
                folds.Add(task switch
                {
                    TableTask.Multiclass => Multiclass(ml, scored, contender.IsNetwork ? Temperature(model) : null),
                    TableTask.Binary => Binary(ml, scored, contender.IsNetwork ? Temperature(model) : null),
                    _ => Regression(ml, scored),
                });
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }
        return SeedRun.From(seed, folds, seconds);
    }

    private static float Temperature(ITransformer model) => model is TransformerChain<ITransformer> chain
        ? chain.LastTransformer switch
        {
            MlpTransformer mlp => mlp.Model.Temperature,
            MlpBinaryTransformer binary => binary.Model.Temperature,
            _ => 1,
        }
        : 1;

    /// <summary>Accuracy, log-loss and ECE of the scores; for a network also both at temperature 1 (<see cref="CalibrationProbe"/>).</summary>
    private static Dictionary<string, double> Multiclass(MLContext ml, IDataView scored, float? temperature)
    {
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        var calibration = CalibrationProbe.Measure(scored, temperature);
        var result = new Dictionary<string, double>
        {
            ["accuracy"] = metrics.MicroAccuracy,
            ["logLoss"] = metrics.LogLoss,
            ["ece"] = calibration.ExpectedCalibrationError,
        };
        if (temperature is float t)
        {
            result["logLossUncalibrated"] = calibration.LogLossAtTemperatureOne!.Value;
            result["eceUncalibrated"] = calibration.ExpectedCalibrationErrorAtTemperatureOne!.Value;
            result["temperature"] = t;
        }
        return result;
    }

    private static Dictionary<string, double> Binary(MLContext ml, IDataView scored, float? temperature)
    {
        var metrics = ml.BinaryClassification.Evaluate(scored, labelColumnName: "IsPositive");
        var result = new Dictionary<string, double>
        {
            ["accuracy"] = metrics.Accuracy,
            ["auc"] = metrics.AreaUnderRocCurve,
            ["logLoss"] = metrics.LogLoss,
            ["ece"] = ReliabilityDiagram.ForBinary(scored, "IsPositive").ExpectedCalibrationError,
        };
        if (temperature is float t)
        {
            // The binary network's Score is its logit: sigmoid(Score) is its own probability.
            var rows = ml.Data.CreateEnumerable<BinaryScore>(scored, reuseRowObject: false).ToArray();
            var raw = rows.Select(r => (r.IsPositive, P: 1 / (1 + Math.Exp(-r.Score)))).ToArray();
            result["logLossUncalibrated"] = raw.Average(r => -Math.Log(Math.Max(r.IsPositive ? r.P : 1 - r.P, 1e-15)));
            result["eceUncalibrated"] = ReliabilityDiagram.FromPredictions(raw.Select(r => (Math.Max(r.P, 1 - r.P), r.P > 0.5 == r.IsPositive))).ExpectedCalibrationError;
            result["temperature"] = t;
        }
        return result;
    }

    private static Dictionary<string, double> Regression(MLContext ml, IDataView scored)
    {
        var metrics = ml.Regression.Evaluate(scored);
        return new Dictionary<string, double> { ["r2"] = metrics.RSquared, ["rmse"] = metrics.RootMeanSquaredError };
    }

    private static SeedRun ScikitLearn(string python, UciTable table, TableTask task, int seed, int threads)
    {
        string script = Path.Combine(AppContext.BaseDirectory, Script);
        var start = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { script, table.Path, task.ToString().ToLowerInvariant(), seed.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        // numpy's BLAS threads: the same count as every other contender.
        foreach (string variable in new[] { "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS" })
            start.Environment[variable] = threads.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{python} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Script} failed (exit {process.ExitCode}): {error.Trim()}");
        using var json = JsonDocument.Parse(output.Result.Trim().Split('\n')[^1]);
        var folds = json.RootElement.GetProperty("folds").EnumerateArray()
            .Select(f => f.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble())).ToList();
        return SeedRun.From(seed, folds, json.RootElement.GetProperty("trainSeconds").GetDouble());
    }

    private static string? FindPythonWithScikitLearn(BenchSettings settings)
    {
        foreach (string candidate in new[] { settings.Python, "python3", "/usr/bin/python3" }.Distinct())
        {
            try
            {
                var start = new ProcessStartInfo(candidate, ["-c", "import sklearn"]) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
                using var process = Process.Start(start);
                if (process is null)
                    continue;
                process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0)
                    return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name; try the next
            }
        }
        return null;
    }

    private sealed class BinaryScore
    {
        public bool IsPositive { get; set; }

        public float Score { get; set; }
    }
}
