namespace MnistPipeline.Sample.Rendering;

/// <summary>Where the sample writes: results to <see cref="Out"/>, problems to <see cref="Error"/>.</summary>
/// <param name="Out">Standard output, or a test's writer.</param>
/// <param name="Error">Standard error, or a test's writer.</param>
/// <param name="Interactive">Whether <see cref="Out"/> is a terminal (live progress bar) rather than a file or pipe (plain lines).</param>
internal sealed record SampleConsole(TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>Terminal width for the progress bar; 100 when unknown.</summary>
    public int Width
    {
        get
        {
            if (!Interactive)
                return 100;
            try
            {
                int width = System.Console.WindowWidth;
                return width > 20 ? width : 100;
            }
            catch (IOException)
            {
                return 100;
            }
        }
    }
}
