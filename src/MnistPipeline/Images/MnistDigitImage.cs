namespace MnistPipeline.Images;

/// <summary>
/// Turns a real image of one digit (any size and colour, PNG or JPEG, or raw gray pixels) into
/// MNIST's format, the way the dataset itself was made: a light digit on black, the ink's bounding
/// box scaled to fit 20 x 20 with its aspect ratio kept, placed in 28 x 28 by its centre of mass.
/// </summary>
/// <remarks>
/// <para>Steps, in order:</para>
/// <list type="number">
/// <item><description>Decode to 8-bit gray (luminance 0.299 R + 0.587 G + 0.114 B). Transparent pixels are the
/// background: they are laid over the tone opposite to the opaque pixels' mean (dark strokes on a transparent
/// canvas become dark on white).</description></item>
/// <item><description>Background: ink covers a minority of a digit image, so the median pixel is the background.
/// With <see cref="DigitBackground.Auto"/>, a median above mid-gray means paper, and the image is inverted so
/// that ink is bright (this also holds for a tight crop whose digit touches the edges).</description></item>
/// <item><description>Contrast: the median is the background level and three times the median absolute deviation
/// the noise; everything at or below that floor becomes 0 and the brightest pixel 255. An image without ink
/// above the floor (by at least 10% of the range) is refused as blank.</description></item>
/// <item><description>Crop to the bounding box of the ink brighter than 10% of the range (so that JPEG ringing
/// does not count) and resample it to fit 20 x 20, keeping the
/// aspect ratio: area averaging when shrinking (gray edges, as MNIST's anti-aliasing), bilinear when
/// enlarging; then stretched so the brightest pixel is 255 again (thin strokes of large images stay visible).</description></item>
/// <item><description>Place it in a black 28 x 28 field, shifted by whole pixels so that its intensity-weighted
/// centre of mass falls on MNIST's centre, and clamped so that the box stays inside the field.</description></item>
/// </list>
/// <para>
/// The result is 784 bytes, row-major, 0 = background, the format of the <c>Image</c> column of
/// <c>LoadMnist</c> and of the model the sample saves. Library code here never writes to the console;
/// every failure is an <see cref="InvalidDataException"/> naming the image, the field and what was expected.
/// </para>
/// </remarks>
public static class MnistDigitImage
{
    /// <summary>Side of MNIST's field, in pixels.</summary>
    public const int Side = 28;

    /// <summary>Pixels of one prepared digit (28 x 28).</summary>
    public const int PixelCount = Side * Side;

    /// <summary>Side of the box the digit's bounding box is scaled to fit, in pixels.</summary>
    public const int BoxSide = 20;

    /// <summary>
    /// Reads a PNG or JPEG file and prepares it (see <see cref="MnistDigitImage"/>).
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="options">Background and size limit; null for the defaults.</param>
    /// <returns>784 bytes, 28 x 28 row-major, a light digit on black.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a PNG or JPEG image, damaged, too large, or blank; the message names the file.</exception>
    /// <example>
    /// <code>
    /// byte[] pixels = MnistDigitImage.FromFile("my-digit.jpg");   // any size, dark ink on paper is fine
    /// var prediction = engine.Predict(new DigitInput { Image = pixels });
    /// </code>
    /// </example>
    public static byte[] FromFile(string path, MnistDigitImageOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        return FromBytes(File.ReadAllBytes(path), path, options);
    }

    /// <summary>
    /// Decodes PNG or JPEG bytes (a file's contents, an upload) and prepares the digit (see <see cref="MnistDigitImage"/>).
    /// </summary>
    /// <param name="encoded">The whole PNG or JPEG file.</param>
    /// <param name="sourceName">How errors name the image (a file name, "request body"); not opened.</param>
    /// <param name="options">Background and size limit; null for the defaults.</param>
    /// <returns>784 bytes, 28 x 28 row-major, a light digit on black.</returns>
    /// <exception cref="InvalidDataException">Not a PNG or JPEG image, damaged, too large, or blank; the message names <paramref name="sourceName"/>.</exception>
    /// <example>
    /// <code>
    /// byte[] pixels = MnistDigitImage.FromBytes(uploadedBytes, "upload");
    /// </code>
    /// </example>
    public static byte[] FromBytes(byte[] encoded, string sourceName = "image", MnistDigitImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentNullException.ThrowIfNull(sourceName);
        var checkedOptions = (options ?? new MnistDigitImageOptions()).Validated();
        var gray = DigitImageDecoder.Decode(encoded, sourceName, checkedOptions.MaxPixelCount);
        return DigitNormalizer.Prepare(gray, sourceName, checkedOptions.Background);
    }

    /// <summary>
    /// Prepares a digit from 8-bit gray pixels of any size (see <see cref="MnistDigitImage"/>).
    /// </summary>
    /// <param name="gray">Row-major pixels, <paramref name="width"/> x <paramref name="height"/>, 0 = black.</param>
    /// <param name="width">Pixels per row, ≥ 1.</param>
    /// <param name="height">Rows, ≥ 1.</param>
    /// <param name="sourceName">How errors name the image.</param>
    /// <param name="options">Background (the size limit applies too); null for the defaults.</param>
    /// <returns>784 bytes, 28 x 28 row-major, a light digit on black.</returns>
    /// <exception cref="ArgumentException">The pixel count is not <paramref name="width"/> x <paramref name="height"/>.</exception>
    /// <exception cref="InvalidDataException">The image is too large or blank.</exception>
    /// <example>
    /// <code>
    /// byte[] pixels = MnistDigitImage.FromPixels(grayPixels, 64, 64);
    /// </code>
    /// </example>
    public static byte[] FromPixels(ReadOnlySpan<byte> gray, int width, int height, string sourceName = "pixels", MnistDigitImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height != gray.Length)
            throw new ArgumentException($"{gray.Length:N0} pixels given for a {width} x {height} image ({(long)width * height:N0} expected).", nameof(gray));
        var checkedOptions = (options ?? new MnistDigitImageOptions()).Validated();
        if (gray.Length > checkedOptions.MaxPixelCount)
            throw DigitImageDecoder.TooLarge(sourceName, width, height, checkedOptions.MaxPixelCount);
        return DigitNormalizer.Prepare(new GrayImage(gray.ToArray(), width, height), sourceName, checkedOptions.Background);
    }

    /// <summary>
    /// The prepared pixels scaled to 0-1 (x / 255), the values the saved model's <c>ScalePixels</c>
    /// step feeds to the network.
    /// </summary>
    /// <param name="pixels">784 bytes from one of the <c>From…</c> methods.</param>
    /// <returns>784 floats in 0..1.</returns>
    public static float[] ToScaledFloats(ReadOnlySpan<byte> pixels)
    {
        var result = new float[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            result[i] = (float)(pixels[i] / 255.0);
        return result;
    }

    /// <summary>The message of every image error: the image, the field, what was expected and what was found.</summary>
    internal static InvalidDataException Bad(string sourceName, string field, string expected, string found)
        => new($"Image '{sourceName}' cannot be used as a digit: {field}: expected {expected}, found {found}.");
}
