using System.Text;
using StbImageSharp;

namespace MnistPipeline.Sample.Images;

/// <summary>
/// Reads a digit image file for <c>predict</c>: PNG (any bit depth; gray, gray + alpha, or RGB(A)
/// whose pixels are all gray) or PGM (P2 text or P5 binary, any maximum value). The image must be
/// 28 x 28 and grayscale, like MNIST: a light digit on a dark background (or pass
/// <c>invert</c>). Nothing is resized: a model trained on MNIST is only meaningful on images
/// prepared the same way (digit centred in a 20 x 20 box, 4-pixel margin).
/// </summary>
internal static class ImageFileReader
{
    public const int Side = 28;

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The image's 784 pixels, row-major, 0 = black.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a PNG or PGM file, damaged, not 28 x 28, or not grayscale; the message names the file.</exception>
    public static byte[] Read(string path, bool invert = false)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        byte[] pixels = bytes.AsSpan().StartsWith(PngSignature) ? ReadPng(path, bytes)
            : bytes.Length >= 2 && bytes[0] == 'P' && bytes[1] is (byte)'2' or (byte)'5' ? ReadPgm(path, bytes)
            : throw Bad(path, "it is neither a PNG nor a PGM (P2/P5) file");
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

    private static byte[] ReadPgm(string path, byte[] bytes)
    {
        bool binary = bytes[1] == '5';
        int at = 2;
        int width = HeaderNumber(path, bytes, ref at, "width");
        int height = HeaderNumber(path, bytes, ref at, "height");
        int maxValue = HeaderNumber(path, bytes, ref at, "maximum value");
        if (maxValue is < 1 or > 65535)
            throw Bad(path, $"its PGM maximum value is {maxValue}; expected 1 to 65535");
        RequireSize(path, width, height);

        var pixels = new byte[Side * Side];
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
        return pixels;
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
            throw Bad(path, $"it is {width} x {height} pixels; expected {Side} x {Side} like MNIST (resize and centre the digit first)");
    }

    private static InvalidDataException Bad(string path, string why) => new($"Image file '{path}' cannot be used: {why}.");
}
