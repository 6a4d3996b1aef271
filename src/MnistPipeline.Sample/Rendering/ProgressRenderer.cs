using MnistPipeline.Training;

namespace MnistPipeline.Sample.Rendering;

/// <summary>
/// Shows training as it happens: the trainer's log lines (header, the tutorial's
/// <c>Step N: Loss is: … Accuracy: …</c>, epoch lines) and its progress reports.
/// <see cref="For"/> picks a live bar for a terminal, plain lines for a file or pipe, or nothing.
/// </summary>
internal abstract class ProgressRenderer
{
    public static ProgressRenderer For(SampleConsole console, bool quiet) =>
        quiet ? new SilentProgressRenderer()
        : console.Interactive ? new TerminalProgressRenderer(console.Out, () => console.Width)
        : new PlainProgressRenderer(console.Out);

    /// <summary>A log line of the trainer, or a line of the sample's own.</summary>
    public abstract void Line(string text);

    /// <summary>A progress report (every LogEveryNSteps steps).</summary>
    public abstract void Progress(TrainingProgress progress);

    /// <summary>Training is over (or failed): leave the terminal clean.</summary>
    public abstract void Finish();
}

/// <summary>For redirected output (CI, pipes, files): the log lines as they come, nothing redrawn.</summary>
internal sealed class PlainProgressRenderer(TextWriter output) : ProgressRenderer
{
    public override void Line(string text) => output.WriteLine(text);

    public override void Progress(TrainingProgress progress)
    {
        // The trainer's "Step N: Loss is: … Accuracy: …" line already says it.
    }

    public override void Finish() => output.Flush();
}

/// <summary>For --quiet.</summary>
internal sealed class SilentProgressRenderer : ProgressRenderer
{
    public override void Line(string text)
    {
    }

    public override void Progress(TrainingProgress progress)
    {
    }

    public override void Finish()
    {
    }
}
