using System.Text;
using MnistPipeline.Images;
using StbImageSharp;

namespace MnistPipeline.Sample.Images;

/// <summary>
/// Reads a digit image file for <c>predict</c>. By default any image of a digit is prepared the way
/// MNIST was made, with the library's <see cref="MnistDigitImage"/>: PNG or JPEG of any size and
/// colour, or PGM (P2 text or P5 binary, any size and maximum value); a light background is
/// inverted, the digit cropped, fitted to 20 x 20 and centred by its centre of mass in 28 x 28.
/// With <c>asIs</c>, the file must already be in MNIST's format and is taken pixel for pixel:
/// 28 x 28, grayscale PNG (any bit depth; gray, gray + alpha, or RGB(A) whose pixels are all gray)
/// or PGM, a light digit on black (or pass <c>invert</c>).
/// </summary>
internal static class ImageFileReader
{
    public const int Side = 28;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];

    /// <summary>The image's 784 pixels, row-major, 0 = black.</summary>
    /// <param name="path">The image file.</param>
    /// <param name="invert">The digit is dark on a light background (prepared: skip the automatic choice; as is: invert the pixels).</param>
    /// <param name="asIs">Take a 28 x 28 grayscale image pixel for pixel, without preparing it.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a PNG, JPEG or PGM file, damaged, blank, or (as is) not 28 x 28 grayscale; the message names the file.</exception>
    public static byte[] Read(string path, bool invert = false, bool asIs = false)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        bool png = bytes.AsSpan().StartsWith(PngSignature), jpeg = bytes.AsSpan().StartsWith(JpegSignature);
        bool pgm = bytes.Length >= 2 && bytes[0] == 'P' && bytes[1] is (byte)'2' or (byte)'5';
        if (!asIs)
        {
            var options = new MnistDigitImageOptions { Background = invert ? DigitBackground.Light : DigitBackground.Auto };
            if (png || jpeg)
                return MnistDigitImage.FromBytes(bytes, path, options);
            if (pgm)
            {
                var (gray, width, height) = ReadPgm(path, bytes);
                return MnistDigitImage.FromPixels(gray, width, height, path, options);
            }
            throw Bad(path, "it is not a PNG, JPEG or PGM (P2/P5) file");
        }

        byte[] pixels = png ? ReadPng(path, bytes)
            : pgm ? ReadPgmAsIs(path, bytes)
            : throw Bad(path, "it is neither a PNG nor a PGM (P2/P5) file (--as-is takes 28 x 28 grayscale PNG or PGM)");
        if (invert)
        {
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = (byte)(255 - pixels[i]);
        }
        return pixels;
    }

    private static byte[] ReadPng(string path, byte[] bytes)
    {
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlueAlpha);
        }
        catch (Exception e) when (e is InvalidOperationException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            throw Bad(path, $"the PNG data cannot be decoded ({e.Message})");
        }
        RequireSize(path, image.Width, image.Height);

        bool color = image.SourceComp is ColorComponents.RedGreenBlue or ColorComponents.RedGreenBlueAlpha;
        var pixels = new byte[Side * Side];
        for (int i = 0; i < pixels.Length; i++)
        {
            byte r = image.Data[4 * i], g = image.Data[4 * i + 1], b = image.Data[4 * i + 2], a = image.Data[4 * i + 3];
            if (color && (r != g || g != b))
                throw Bad(path, $"it is a color image (pixel {i % Side},{i / Side} is RGB {r},{g},{b}); expected grayscale");
            // Transparent pixels count as background (black), as over MNIST's black.
            pixels[i] = (byte)((r * a + 127) / 255);
        }
        return pixels;
    }

    private static byte[] ReadPgmAsIs(string path, byte[] bytes)
    {
        var (pixels, width, height) = ReadPgm(path, bytes, requireMnistSize: true);
        return pixels;
    }

    /// <summary>A PGM of any size (up to the library's default pixel limit) as 8-bit gray.</summary>
    private static (byte[] Pixels, int Width, int Height) ReadPgm(string path, byte[] bytes, bool requireMnistSize = false)
    {
        bool binary = bytes[1] == '5';
        int at = 2;
        int width = HeaderNumber(path, bytes, ref at, "width");
        int height = HeaderNumber(path, bytes, ref at, "height");
        int maxValue = HeaderNumber(path, bytes, ref at, "maximum value");
        if (maxValue is < 1 or > 65535)
            throw Bad(path, $"its PGM maximum value is {maxValue}; expected 1 to 65535");
        if (requireMnistSize)
            RequireSize(path, width, height);
        if (width < 1 || height < 1 || (long)width * height > MnistDigitImageOptions.Defaults.MaxPixelCount)
            throw Bad(path, $"it is {width} x {height} pixels; expected 1 to {MnistDigitImageOptions.Defaults.MaxPixelCount:N0} pixels");

        var pixels = new byte[width * height];
        if (binary)
        {
            at++; // exactly one whitespace byte after the maximum value
            int bytesPerSample = maxValue < 256 ? 1 : 2;
            if (bytes.Length - at < pixels.Length * bytesPerSample)
                throw Bad(path, $"its P5 data is cut short: {Math.Max(0, bytes.Length - at)} bytes, expected {pixels.Length * bytesPerSample}");
            for (int i = 0; i < pixels.Length; i++)
            {
                int value = bytesPerSample == 1 ? bytes[at + i] : (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1];
                pixels[i] = Scale(path, value, maxValue, i);
            }
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = Scale(path, HeaderNumber(path, bytes, ref at, $"pixel {i}"), maxValue, i);
        }
        return (pixels, width, height);
    }

    private static byte Scale(string path, int value, int maxValue, int index)
    {
        if (value > maxValue)
            throw Bad(path, $"pixel {index} is {value}, above its maximum value {maxValue}");
        return (byte)((value * 255 + maxValue / 2) / maxValue);
    }

    /// <summary>The next decimal number, skipping whitespace and '#' comments (PGM's header rules).</summary>
    private static int HeaderNumber(string path, byte[] bytes, ref int at, string what)
    {
        while (at < bytes.Length)
        {
            if (bytes[at] == '#')
            {
                while (at < bytes.Length && bytes[at] != '\n' && bytes[at] != '\r')
                    at++;
            }
            else if (char.IsWhiteSpace((char)bytes[at]))
            {
                at++;
            }
            else
            {
                break;
            }
        }
        int start = at;
        long value = 0;
        while (at < bytes.Length && bytes[at] is >= (byte)'0' and <= (byte)'9' && value <= int.MaxValue)
            value = value * 10 + (bytes[at++] - '0');
        if (at == start || value > int.MaxValue)
        {
            string found = at < bytes.Length ? $"'{Encoding.ASCII.GetString(bytes, at, Math.Min(8, bytes.Length - at))}'" : "the end of the file";
            throw Bad(path, $"the PGM {what} is missing (found {found})");
        }
        return (int)value;
    }

    private static void RequireSize(string path, int width, int height)
    {
        if (width != Side || height != Side)
            throw Bad(path, $"it is {width} x {height} pixels; expected {Side} x {Side} like MNIST with --as-is (without it, any size is prepared)");
    }

    private static InvalidDataException Bad(string path, string why) => new($"Image file '{path}' cannot be used: {why}.");
}
