using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// The small UCI tables bundled with scikit-learn (iris, wine, digits, breast cancer, diabetes),
/// exported to CSV by <c>scripts/export_uci_tables.py</c> into <c>UCI_DATA</c> or the per-user
/// cache, once per machine. Each row carries the 5-fold split every comparison uses. Needs
/// scikit-learn (Debian: <c>apt-get install python3-sklearn</c>, which <c>.ci/run</c> does).
/// </summary>
internal static class UciTables
{
    public const string Category = "UciTables";

    private static readonly string[] Names = ["iris", "wine", "digits", "breast_cancer", "diabetes"];
    private static readonly Lazy<string> s_folder = new(Export, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>One table: features, the label as a float (class index, 0/1 or the target), and the fold of each row.</summary>
    public sealed record Table(string Name, float[][] Features, float[] Labels, int[] Folds)
    {
        public int FeatureCount => Features[0].Length;
    }

    public sealed class Row
    {
        public float Label { get; set; }

        public bool IsPositive { get; set; }

        public int Fold { get; set; }

        [VectorType]
        public float[] Features { get; set; } = [];
    }

    public static string Folder => s_folder.Value;

    public static Table Load(string name)
    {
        string path = Path.Combine(Folder, name + ".csv");
        var lines = File.ReadAllLines(path);
        int columns = lines[0].Split(',').Length;
        int features = columns - 2;
        var x = new float[lines.Length - 1][];
        var y = new float[lines.Length - 1];
        var folds = new int[lines.Length - 1];
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            x[i - 1] = cells.Take(features).Select(c => float.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            y[i - 1] = float.Parse(cells[features], CultureInfo.InvariantCulture);
            folds[i - 1] = int.Parse(cells[features + 1], CultureInfo.InvariantCulture);
        }
        return new Table(name, x, y, folds);
    }

    /// <summary>
    /// The rows selected by <paramref name="keep"/> as an IDataView: <c>Features</c>
    /// (<c>Vector&lt;Single, d&gt;</c>, plus <paramref name="extraFeatures"/> appended per row),
    /// <c>Label</c> (Single), <c>IsPositive</c> (Boolean: label 1) and <c>Fold</c>.
    /// </summary>
    public static IDataView View(MLContext ml, Table table, Func<int, bool>? keep = null, Func<int, float[]>? extraFeatures = null)
    {
        var rows = new List<Row>();
        for (int i = 0; i < table.Labels.Length; i++)
        {
            if (keep is not null && !keep(i))
                continue;
            var x = extraFeatures is null ? table.Features[i] : [.. table.Features[i], .. extraFeatures(i)];
            rows.Add(new Row { Label = table.Labels[i], IsPositive = table.Labels[i] == 1, Fold = table.Folds[i], Features = x });
        }
        int width = rows[0].Features.Length;
        var schema = SchemaDefinition.Create(typeof(Row));
        var features = schema[nameof(Row.Features)];
        features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        // Slot names, as Concatenate of named columns would give: ML.NET's PFI names features by them.
        var names = Enumerable.Range(0, width).Select(j => (j < table.FeatureCount ? $"f{j}" : $"extra{j - table.FeatureCount}").AsMemory()).ToArray();
        features.AddAnnotation("SlotNames", new VBuffer<ReadOnlyMemory<char>>(width, names), new VectorDataViewType(TextDataViewType.Instance, width));
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private static string Export()
    {
        string folder = Environment.GetEnvironmentVariable("UCI_DATA") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
                ? cache
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "mnistpipeline", "uci");
        if (Names.All(n => File.Exists(Path.Combine(folder, n + ".csv"))))
            return folder;

        string script = Path.Combine(TestWorker.RepositoryRoot(), "scripts", "export_uci_tables.py");
        var failures = new List<string>();
        // Debian's python3-sklearn installs for the system interpreter, which may not be the first python3 on the PATH.
        foreach (string python in new[] { "/usr/bin/python3", "python3" })
        {
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(folder);
            try
            {
                using var process = Process.Start(start)!;
                string error = process.StandardError.ReadToEnd();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0)
                    return folder;
                failures.Add($"{python}: exit {process.ExitCode}: {error.Trim().Split('\n').LastOrDefault()}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                failures.Add($"{python}: {e.Message}");
            }
        }
        throw new InvalidOperationException(
            $"The UCI tables could not be exported to '{folder}' ({string.Join("; ", failures)}). " +
            "Install scikit-learn (Debian: apt-get install python3-sklearn) or set UCI_DATA to a folder holding the CSV files of scripts/export_uci_tables.py.");
    }
}
