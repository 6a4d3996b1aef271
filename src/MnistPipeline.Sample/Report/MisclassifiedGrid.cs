using MnistPipeline.Sample.Model;
using SkiaSharp;
using static System.FormattableString;

namespace MnistPipeline.Sample.Report;

/// <summary>
/// A grid of misclassified test digits, each enlarged 3x (nearest neighbour, so pixels stay
/// pixels) with its test-set index and "true → predicted (probability)" under it. Drawn with
/// SkiaSharp directly: a plot library adds nothing to a picture of pictures.
/// </summary>
internal static class MisclassifiedGrid
{
    public const int MaxDigits = 60;
    private const int Columns = 10;
    private const int Scale = 3;
    private const int Cell = ImageSide * Scale;
    private const int ImageSide = 28;
    private const int Pad = 10;
    private const int TitleHeight = 44;
    private const int CaptionHeight = 34;

    public static void Save(string path, IReadOnlyList<MisclassifiedDigit> digits, int totalWrong, int rows)
    {
        var shown = digits.Take(MaxDigits).ToArray();
        int gridRows = Math.Max(1, (shown.Length + Columns - 1) / Columns);
        int width = Pad + Columns * (Cell + Pad);
        int height = TitleHeight + gridRows * (Cell + CaptionHeight + Pad);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var titleFont = new SKFont(PlotFonts.Typeface(bold: true), 17);
        using var captionFont = new SKFont(PlotFonts.Typeface(bold: false), 13);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grey = new SKPaint { Color = new SKColor(110, 110, 110), IsAntialias = true };
        using var red = new SKPaint { Color = new SKColor(190, 20, 20), IsAntialias = true };

        string title = shown.Length == 0
            ? Invariant($"No misclassified digits among {rows:N0} test images")
            : Invariant($"Misclassified test digits: {shown.Length} of {totalWrong:N0} wrong among {rows:N0}; index, true → predicted (probability)");
        canvas.DrawText(title, Pad, 28, SKTextAlign.Left, titleFont, ink);

        for (int i = 0; i < shown.Length; i++)
        {
            var digit = shown[i];
            int x = Pad + i % Columns * (Cell + Pad);
            int y = TitleHeight + i / Columns * (Cell + CaptionHeight + Pad);
            using (var image = DigitImage(digit.Pixels))
                canvas.DrawImage(image, new SKRect(x, y, x + Cell, y + Cell), new SKSamplingOptions(SKFilterMode.Nearest));
            float centre = x + Cell / 2f;
            canvas.DrawText(Invariant($"#{digit.Index}"), centre, y + Cell + 14, SKTextAlign.Center, captionFont, grey);
            canvas.DrawText(Invariant($"{digit.TrueLabel} → {digit.PredictedLabel} ({digit.Probability:F2})"), centre, y + Cell + 29, SKTextAlign.Center, captionFont, red);
        }

        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private static SKImage DigitImage(byte[] pixels)
    {
        var info = new SKImageInfo(ImageSide, ImageSide, SKColorType.Gray8, SKAlphaType.Opaque);
        using var data = SKData.CreateCopy(pixels);
        return SKImage.FromPixels(info, data, ImageSide)
            ?? throw new InvalidOperationException("SkiaSharp could not wrap a digit image.");
    }
}
