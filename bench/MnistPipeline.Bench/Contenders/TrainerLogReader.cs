using System.Globalization;
using System.Text.RegularExpressions;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// What a network trainer of the library says in <c>MLContext.Log</c> that the table reports:
/// the time it spent reading the IDataView into tensors ("… training rows read in X s", inside the
/// train wall), its libtorch thread count and which training step it used (fused or autograd, and why).
/// </summary>
internal sealed partial class TrainerLogReader(string source)
{
    public double? DataPrepSeconds { get; private set; }

    public Dictionary<string, string> Facts { get; } = [];

    /// <summary>Rows the trainer kept out of training (validation, calibration), from its "Validation rows: …" line; 0 when none.</summary>
    public long RowsKeptOut { get; private set; }

    /// <summary>Reads one log message (ML.NET's formatted message, which names its source).</summary>
    public void Read(string message)
    {
        if (!message.Contains(source, StringComparison.Ordinal))
            return;
        if (RowsReadIn().Match(message) is { Success: true } read)
            DataPrepSeconds = double.Parse(read.Groups[1].Value, CultureInfo.InvariantCulture);
        if (ThreadsIn().Match(message) is { Success: true } threads)
            Facts["libtorch threads (trainer log)"] = threads.Groups[1].Value;
        if (StepIn().Match(message) is { Success: true } step)
            Facts["training step (trainer log)"] = step.Groups[1].Value;
        if (KeptOutIn().Match(message) is { Success: true } keptOut)
            RowsKeptOut = long.Parse(keptOut.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"training rows read in ([0-9.]+) s")]
    private static partial Regex RowsReadIn();

    [GeneratedRegex(@"\bthreads (\d+)\b")]
    private static partial Regex ThreadsIn();

    [GeneratedRegex(@"Training step: (.+?)\.?$")]
    private static partial Regex StepIn();

    [GeneratedRegex(@"Validation rows: ([0-9,]+) of the [0-9,]+ training rows .*? kept out of training")]
    private static partial Regex KeptOutIn();
}
