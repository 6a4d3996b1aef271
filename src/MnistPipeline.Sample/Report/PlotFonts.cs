using SkiaSharp;

namespace MnistPipeline.Sample.Report;

/// <summary>
/// Picks a sans-serif font for the plots. SkiaSharp's Linux build without fontconfig reads font
/// files from the usual folders; with none installed, text would be drawn blank, so this says so.
/// </summary>
internal static class PlotFonts
{
    private static readonly string[] Preferred = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans", "Arial", "Helvetica"];

    private static readonly Lazy<string?> Chosen = new(Choose);

    /// <summary>The family used, or null when no font at all was found (plot text will be missing).</summary>
    public static string? Family => Chosen.Value;

    /// <summary>A warning to show when plots will lack text, else null.</summary>
    public static string? Warning => Family is null
        ? "warning: no fonts found, so the plots' text will be blank; install a font package (Debian: fonts-dejavu-core)."
        : null;

    public static SKTypeface Typeface(bool bold) =>
        ScottPlot.Fonts.GetTypeface(Family ?? ScottPlot.Fonts.Default, bold, italic: false);

    private static string? Choose()
    {
        // Without font files SkiaSharp still lists one family, with an empty name and no glyphs.
        var manager = SKFontManager.Default;
        foreach (string name in Preferred.Concat(manager.GetFontFamilies()))
        {
            using var typeface = manager.MatchFamily(name, SKFontStyle.Normal);
            if (typeface is { GlyphCount: > 0 } && typeface.FamilyName.Equals(name, StringComparison.OrdinalIgnoreCase)
                && typeface.GetGlyph('A') != 0)
            {
                ScottPlot.Fonts.Default = typeface.FamilyName;
                return typeface.FamilyName;
            }
        }
        return null;
    }
}
