using System.Runtime.InteropServices;
using System.Text;
using SkiaSharp;

namespace MnistPipeline.Tests.Sample;

/// <summary>Writes digit images in the formats the sample's predict command reads.</summary>
internal static class DigitFiles
{
    /// <summary>Binary PGM (P5) with a comment line, as image editors write it.</summary>
    public static byte[] Pgm5(byte[] pixels, int width = 28, int height = 28, int maxValue = 255)
    {
        var header = Encoding.ASCII.GetBytes($"P5\n# written by a test\n{width} {height}\n{maxValue}\n");
        if (maxValue < 256)
            return [.. header, .. pixels];
        var wide = new byte[pixels.Length * 2];
        for (int i = 0; i < pixels.Length; i++)
        {
            int value = pixels[i] * maxValue / 255;
            wide[2 * i] = (byte)(value >> 8);
            wide[2 * i + 1] = (byte)value;
        }
        return [.. header, .. wide];
    }

    /// <summary>Text PGM (P2).</summary>
    public static byte[] Pgm2(byte[] pixels, int width = 28, int height = 28)
    {
        var text = new StringBuilder($"P2\n{width} {height}\n255\n");
        for (int row = 0; row < height; row++)
            text.AppendLine(string.Join(" ", pixels.Skip(row * width).Take(width)));
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>An 8-bit grayscale PNG.</summary>
    public static byte[] GrayPng(byte[] pixels, int width = 28, int height = 28)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return Encode(bitmap);
    }

    /// <summary>An RGBA PNG whose pixel i has color <paramref name="color"/>(i).</summary>
    public static byte[] RgbaPng(Func<int, SKColor> color, int width = 28, int height = 28)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int i = 0; i < width * height; i++)
            bitmap.SetPixel(i % width, i / width, color(i));
        return Encode(bitmap);
    }

    /// <summary>A recognisable pattern: a bright vertical bar (a "1").</summary>
    public static byte[] Bar()
    {
        var pixels = new byte[784];
        for (int row = 4; row < 24; row++)
            for (int column = 12; column < 16; column++)
                pixels[row * 28 + column] = 255;
        return pixels;
    }

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
