namespace MnistPipeline.Sample.Rendering;

/// <summary>
/// Draws 28 x 28 grayscale digits as ASCII art: one character per pixel across and per two
/// pixel rows down (terminal cells are about twice as tall as wide), so a digit is 28 x 14
/// characters and keeps its shape.
/// </summary>
internal static class AsciiDigit
{
    public const int Side = 28;
    public const int Lines = Side / 2;

    /// <summary>Darkest to brightest.</summary>
    private const string Ramp = " .:-=+*#%@";

    /// <summary>The digit as <see cref="Lines"/> lines of <see cref="Side"/> characters.</summary>
    public static string[] Render(ReadOnlySpan<byte> pixels)
    {
        if (pixels.Length != Side * Side)
            throw new ArgumentException($"Expected {Side * Side} pixels, got {pixels.Length}.", nameof(pixels));
        var lines = new string[Lines];
        Span<char> line = stackalloc char[Side];
        for (int row = 0; row < Lines; row++)
        {
            for (int column = 0; column < Side; column++)
            {
                // The brighter of the two pixels, so that thin horizontal strokes stay visible.
                int value = Math.Max(pixels[2 * row * Side + column], pixels[(2 * row + 1) * Side + column]);
                line[column] = Ramp[value * (Ramp.Length - 1) / 255];
            }
            lines[row] = line.ToString();
        }
        return lines;
    }

    /// <summary>
    /// Several digits side by side, as many per row as fit in <paramref name="columns"/>, each
    /// with caption lines under it.
    /// </summary>
    public static IEnumerable<string> Layout(IReadOnlyList<(byte[] Pixels, string[] Caption)> digits, int columns = 80)
    {
        const int gap = 4;
        int cellWidth = Math.Max(Side, digits.SelectMany(d => d.Caption).Select(c => c.Length).DefaultIfEmpty(0).Max());
        int perRow = Math.Max(1, (columns + gap) / (cellWidth + gap));
        for (int start = 0; start < digits.Count; start += perRow)
        {
            var group = digits.Skip(start).Take(perRow).Select(d => (Art: Render(d.Pixels), d.Caption)).ToArray();
            int captionLines = group.Max(d => d.Caption.Length);
            var frame = "+" + new string('-', Side) + "+";
            yield return Join(group.Select(_ => frame), cellWidth + 2, gap);
            for (int line = 0; line < Lines; line++)
                yield return Join(group.Select(d => "|" + d.Art[line] + "|"), cellWidth + 2, gap);
            yield return Join(group.Select(_ => frame), cellWidth + 2, gap);
            for (int line = 0; line < captionLines; line++)
                yield return Join(group.Select(d => line < d.Caption.Length ? " " + d.Caption[line] : ""), cellWidth + 2, gap);
            yield return "";
        }
    }

    private static string Join(IEnumerable<string> cells, int width, int gap)
        => string.Join(new string(' ', gap), cells.Select(c => c.PadRight(width))).TrimEnd();
}
