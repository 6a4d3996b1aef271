using StbImageSharp;

namespace MnistPipeline.Images;

/// <summary>PNG or JPEG bytes to 8-bit gray, with transparency resolved, after checking the declared size.</summary>
internal static class DigitImageDecoder
{
    private const string Expected = "a PNG or JPEG image";

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];

    public static GrayImage Decode(byte[] encoded, string sourceName, long maxPixelCount)
    {
        string format = encoded.AsSpan().StartsWith(PngSignature) ? "PNG"
            : encoded.AsSpan().StartsWith(JpegSignature) ? "JPEG"
            : throw MnistDigitImage.Bad(sourceName, "format", Expected, Describe(encoded));

        // The header first: a few hundred bytes of PNG can declare gigapixels.
        ImageInfo? info;
        try
        {
            using var header = new MemoryStream(encoded, writable: false);
            info = ImageInfo.FromStream(header);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            info = null;
        }
        if (info is not { Width: > 0, Height: > 0 } size)
            throw MnistDigitImage.Bad(sourceName, $"{format} header", $"{Expected} with a readable size", "a damaged header");
        if ((long)size.Width * size.Height > maxPixelCount)
            throw TooLarge(sourceName, size.Width, size.Height, maxPixelCount);

        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(encoded, ColorComponents.GreyAlpha);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw MnistDigitImage.Bad(sourceName, $"{format} data", $"{Expected} that decodes", $"an error ({FirstLine(e.Message)})");
        }
        if (image.Data is null || image.Data.Length < 2L * image.Width * image.Height)
            throw MnistDigitImage.Bad(sourceName, $"{format} data", $"{Expected} that decodes", "too few pixels");
        return ToGray(image.Data, image.Width, image.Height);
    }

    public static InvalidDataException TooLarge(string sourceName, int width, int height, long maxPixelCount)
        => MnistDigitImage.Bad(sourceName, "size", $"at most {maxPixelCount:N0} pixels", $"{width:N0} x {height:N0} = {(long)width * height:N0}");

    /// <summary>
    /// Gray + alpha to gray. Transparent pixels are background, laid over the tone opposite to the
    /// opaque pixels' mean: a canvas of dark strokes on transparent becomes dark on white, light
    /// strokes on transparent become light on black.
    /// </summary>
    private static GrayImage ToGray(byte[] grayAlpha, int width, int height)
    {
        int count = width * height;
        var gray = new byte[count];
        long opaqueSum = 0, opaqueCount = 0;
        bool anyTransparent = false;
        for (int i = 0; i < count; i++)
        {
            byte value = grayAlpha[2 * i], alpha = grayAlpha[(2 * i) + 1];
            gray[i] = value;
            if (alpha < 255)
                anyTransparent = true;
            if (alpha >= 128)
            {
                opaqueSum += value;
                opaqueCount++;
            }
        }
        if (!anyTransparent)
            return new GrayImage(gray, width, height);

        int under = opaqueCount > 0 && opaqueSum / opaqueCount < 128 ? 255 : 0;
        for (int i = 0; i < count; i++)
        {
            int alpha = grayAlpha[(2 * i) + 1];
            gray[i] = (byte)(((gray[i] * alpha) + (under * (255 - alpha)) + 127) / 255);
        }
        return new GrayImage(gray, width, height);
    }

    private static string Describe(byte[] bytes)
        => bytes.Length == 0 ? "no bytes" : $"{bytes.Length:N0} bytes starting {Convert.ToHexString(bytes, 0, Math.Min(8, bytes.Length))}";

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
