using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Bench.Tables;

/// <summary>
/// One of scikit-learn's bundled UCI tables as exported by <c>scripts/export_uci_tables.py</c>
/// (features f0.., Label, Fold): the same CSV files and 5-fold split the tests use (the reading is
/// that of <c>tests/…/TestSupport/UciTables.cs</c>), so every contender, ML.NET's and
/// scikit-learn's, is measured on the same folds.
/// </summary>
internal sealed record UciTable(string Name, string Path, float[][] Features, float[] Labels, int[] Folds)
{
    public static readonly string[] Names = ["iris", "wine", "digits", "breast_cancer", "diabetes"];

    public int FeatureCount => Features[0].Length;

    public int FoldCount => Folds.Max() + 1;

    /// <summary>The folder of the CSV files: UCI_DATA, else the per-user cache; exported there first when missing.</summary>
    public static string Folder(string python)
    {
        string folder = Environment.GetEnvironmentVariable("UCI_DATA") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
                ? cache
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "mnistpipeline", "uci");
        if (Names.All(n => File.Exists(System.IO.Path.Combine(folder, n + ".csv"))))
            return folder;
        string script = FindScript() ?? throw new InvalidOperationException(
            $"The UCI tables are not in '{folder}' and scripts/export_uci_tables.py was not found above {AppContext.BaseDirectory}: run the bench from the repository, or set UCI_DATA.");
        var start = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{python} did not start.");
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{script} failed (exit {process.ExitCode}): {error.Trim()}. Install scikit-learn (Debian: apt-get install python3-sklearn).");
        return folder;
    }

    public static UciTable Load(string folder, string name)
    {
        string path = System.IO.Path.Combine(folder, name + ".csv");
        var lines = File.ReadAllLines(path);
        int features = lines[0].Split(',').Length - 2;
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
        return new UciTable(name, path, x, y, folds);
    }

    /// <summary>The rows of one side of fold <paramref name="fold"/>: <c>Features</c>, <c>Label</c> (Single) and <c>IsPositive</c> (label 1).</summary>
    public IDataView View(MLContext ml, int fold, bool test)
    {
        var rows = new List<Row>();
        for (int i = 0; i < Labels.Length; i++)
            if ((Folds[i] == fold) == test)
                rows.Add(new Row { Label = Labels[i], IsPositive = Labels[i] == 1, Features = Features[i] });
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, FeatureCount);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private static string? FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "scripts", "export_uci_tables.py");
            if (File.Exists(candidate))
                return candidate;
        }
        string fromWorkingDirectory = System.IO.Path.Combine(Environment.CurrentDirectory, "scripts", "export_uci_tables.py");
        return File.Exists(fromWorkingDirectory) ? fromWorkingDirectory : null;
    }

    public sealed class Row
    {
        public float Label { get; set; }

        public bool IsPositive { get; set; }

        public float[] Features { get; set; } = [];
    }
}
