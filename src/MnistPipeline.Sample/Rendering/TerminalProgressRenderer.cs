using System.Text;
using MnistPipeline.Training;
using static System.FormattableString;

namespace MnistPipeline.Sample.Rendering;

/// <summary>
/// For a terminal: log lines scroll above one bar line that is redrawn in place (carriage return
/// and erase-line), showing epoch, step, loss, window accuracy and the time left.
/// </summary>
internal sealed class TerminalProgressRenderer(TextWriter output, Func<int> width) : ProgressRenderer
{
    private const string EraseLine = "\r\u001b[2K";
    private string? _bar;

    public override void Line(string text)
    {
        if (_bar is not null)
            output.Write(EraseLine);
        output.WriteLine(text);
        if (_bar is not null)
            output.Write(_bar);
        output.Flush();
    }

    public override void Progress(TrainingProgress progress)
    {
        _bar = Format(progress, width());
        output.Write(EraseLine);
        output.Write(_bar);
        output.Flush();
    }

    public override void Finish()
    {
        if (_bar is null)
            return;
        output.Write(EraseLine);
        output.Flush();
        _bar = null;
    }

    /// <summary>
    /// <c>epoch 3/10 [#########..........] step 4,200/18,750  loss 0.0312  acc 0.9731  12 s left</c>,
    /// with the bar sized to fit <paramref name="columns"/>.
    /// </summary>
    internal static string Format(TrainingProgress p, int columns)
    {
        double done = p.TotalSteps <= 0 ? 0 : Math.Clamp((p.Step + 1) / (double)p.TotalSteps, 0, 1);
        string head = Invariant($"epoch {p.Epoch}/{p.Epochs} ");
        string tail = Invariant($" step {p.Step + 1:N0}/{p.TotalSteps:N0}  loss {p.Loss:F4}  acc {p.Accuracy:F4}  {Duration(p.EstimatedRemaining)} left");
        int barWidth = Math.Clamp(columns - 1 - head.Length - tail.Length - 2, 10, 40);
        int filled = (int)Math.Round(done * barWidth);
        var line = new StringBuilder(head)
            .Append('[').Append('#', filled).Append('.', barWidth - filled).Append(']')
            .Append(tail);
        return line.Length < columns ? line.ToString() : line.ToString(0, Math.Max(columns - 1, 1));
    }

    internal static string Duration(TimeSpan t) =>
        t.TotalSeconds < 60 ? Invariant($"{Math.Ceiling(t.TotalSeconds):F0} s")
        : t.TotalMinutes < 60 ? Invariant($"{(int)t.TotalMinutes} min {t.Seconds:D2} s")
        : Invariant($"{(int)t.TotalHours} h {t.Minutes:D2} min");
}
