using System.Runtime.InteropServices;
using SkiaSharp;

namespace MnistPipeline.Tests.Images;

/// <summary>Draws digit-like test images with SkiaSharp and encodes them as PNG or JPEG.</summary>
internal static class SyntheticDigits
{
    /// <summary>An image of <paramref name="width"/> x <paramref name="height"/> filled with <paramref name="background"/>, drawn on by <paramref name="draw"/>.</summary>
    public static SKBitmap Draw(int width, int height, SKColor background, Action<SKCanvas> draw, SKColorType colorType = SKColorType.Rgba8888)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, colorType, colorType == SKColorType.Gray8 ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(background);
        draw(canvas);
        canvas.Flush();
        return bitmap;
    }

    /// <summary>A filled rectangle in <paramref name="ink"/>.</summary>
    public static Action<SKCanvas> Rectangle(float left, float top, float width, float height, SKColor ink)
        => canvas =>
        {
            using var paint = new SKPaint { Color = ink, IsAntialias = false, Style = SKPaintStyle.Fill };
            canvas.DrawRect(SKRect.Create(left, top, width, height), paint);
        };

    /// <summary>A stroked polyline, round caps, as a pen draws.</summary>
    public static Action<SKCanvas> Stroke(SKColor ink, float width, params SKPoint[] points)
        => canvas =>
        {
            using var paint = new SKPaint { Color = ink, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = width, StrokeCap = SKStrokeCap.Round, StrokeJoin = SKStrokeJoin.Round };
            using var path = new SKPath();
            path.MoveTo(points[0]);
            foreach (var point in points.Skip(1))
                path.LineTo(point);
            canvas.DrawPath(path, paint);
        };

    public static byte[] Png(SKBitmap bitmap) => Encode(bitmap, SKEncodedImageFormat.Png, 100);

    public static byte[] Jpeg(SKBitmap bitmap, int quality = 90) => Encode(bitmap, SKEncodedImageFormat.Jpeg, quality);

    /// <summary>The bitmap's luminance as gray bytes (what the library decodes to).</summary>
    public static byte[] Gray(SKBitmap bitmap)
    {
        var gray = new byte[bitmap.Width * bitmap.Height];
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                gray[(y * bitmap.Width) + x] = (byte)Math.Round((0.299 * c.Red) + (0.587 * c.Green) + (0.114 * c.Blue));
            }
        }
        return gray;
    }

    /// <summary>A Gray8 bitmap of the given pixels.</summary>
    public static SKBitmap FromGray(byte[] pixels, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }
}

/// <summary>Measures a prepared 28 x 28 digit.</summary>
internal static class PreparedDigit
{
    public static (int Left, int Top, int Width, int Height) BoundingBox(byte[] pixels, int threshold = 0)
    {
        int left = 28, right = -1, top = 28, bottom = -1;
        for (int i = 0; i < pixels.Length; i++)
        {
            if (pixels[i] <= threshold)
                continue;
            int x = i % 28, y = i / 28;
            left = Math.Min(left, x);
            right = Math.Max(right, x);
            top = Math.Min(top, y);
            bottom = Math.Max(bottom, y);
        }
        return right < 0 ? (0, 0, 0, 0) : (left, top, right - left + 1, bottom - top + 1);
    }

    public static (double X, double Y) CentreOfMass(byte[] pixels)
    {
        double mass = 0, x = 0, y = 0;
        for (int i = 0; i < pixels.Length; i++)
        {
            mass += pixels[i];
            x += pixels[i] * (i % 28);
            y += pixels[i] * (i / 28);
        }
        return (x / mass, y / mass);
    }

    /// <summary>Mean absolute difference per pixel, 0-255.</summary>
    public static double MeanDifference(byte[] a, byte[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Average();
}
