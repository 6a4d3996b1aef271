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
        var manager = SKFontManager.Default;
        if (manager.FontFamilyCount == 0)
            return null;
        string family = Preferred.FirstOrDefault(name => manager.GetFontFamilies().Contains(name, StringComparer.OrdinalIgnoreCase))
            ?? manager.GetFamilyName(0);
        ScottPlot.Fonts.Default = family;
        return family;
    }
}
