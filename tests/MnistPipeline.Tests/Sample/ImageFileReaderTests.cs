using MnistPipeline.Sample.Images;
using MnistPipeline.Tests.TestSupport;
using SkiaSharp;

namespace MnistPipeline.Tests.Sample;

[TestClass]
public sealed class ImageFileReaderTests
{
    private static byte[] Gradient() => Enumerable.Range(0, 784).Select(i => (byte)(i * 255 / 783)).ToArray();

    [TestMethod]
    public void Read_BinaryPgm_ReturnsThePixels()
    {
        using var folder = new TempFolder();
        var pixels = Gradient();
        CollectionAssert.AreEqual(pixels, ImageFileReader.Read(folder.Write("d.pgm", DigitFiles.Pgm5(pixels)), asIs: true));
    }

    [TestMethod]
    public void Read_SixteenBitPgm_ScalesTo255()
    {
        using var folder = new TempFolder();
        var pixels = Gradient();
        var read = ImageFileReader.Read(folder.Write("d.pgm", DigitFiles.Pgm5(pixels, maxValue: 65535)), asIs: true);
        for (int i = 0; i < pixels.Length; i++)
            Assert.IsLessThanOrEqualTo(1, Math.Abs(pixels[i] - read[i]), $"pixel {i}");
    }

    [TestMethod]
    public void Read_TextPgm_ReturnsThePixels()
    {
        using var folder = new TempFolder();
        var pixels = Gradient();
        CollectionAssert.AreEqual(pixels, ImageFileReader.Read(folder.Write("d.pgm", DigitFiles.Pgm2(pixels)), asIs: true));
    }

    [TestMethod]
    public void Read_GrayPng_ReturnsThePixels()
    {
        using var folder = new TempFolder();
        var pixels = Gradient();
        CollectionAssert.AreEqual(pixels, ImageFileReader.Read(folder.Write("d.png", DigitFiles.GrayPng(pixels)), asIs: true));
    }

    [TestMethod]
    public void Read_RgbPngWithGrayPixels_IsAccepted()
    {
        using var folder = new TempFolder();
        var pixels = Gradient();
        var path = folder.Write("d.png", DigitFiles.RgbaPng(i => new SKColor(pixels[i], pixels[i], pixels[i])));
        CollectionAssert.AreEqual(pixels, ImageFileReader.Read(path, asIs: true));
    }

    [TestMethod]
    public void Read_Invert_FlipsDarkOnLight()
    {
        using var folder = new TempFolder();
        var read = ImageFileReader.Read(folder.Write("d.pgm", DigitFiles.Pgm5(Gradient())), invert: true, asIs: true);
        Assert.AreEqual(255, read[0]);
        Assert.AreEqual(0, read[^1]);
    }

    [TestMethod]
    public void Read_ColorPng_ThrowsInvalidDataSayingGrayscale()
    {
        using var folder = new TempFolder();
        var path = folder.Write("red.png", DigitFiles.RgbaPng(_ => new SKColor(200, 10, 10)));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path, asIs: true));
        StringAssert.Contains(error.Message, "red.png");
        StringAssert.Contains(error.Message, "expected grayscale");
    }

    [TestMethod]
    [DataRow("png")]
    [DataRow("pgm")]
    public void Read_AsIsNot28By28_ThrowsInvalidDataNamingTheSize(string format)
    {
        using var folder = new TempFolder();
        var pixels = new byte[32 * 20];
        var bytes = format == "png" ? DigitFiles.GrayPng(pixels, 32, 20) : DigitFiles.Pgm5(pixels, 32, 20);
        var path = folder.Write($"big.{format}", bytes);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path, asIs: true));
        StringAssert.Contains(error.Message, "32 x 20");
        StringAssert.Contains(error.Message, "expected 28 x 28");
    }

    [TestMethod]
    public void Read_TruncatedBinaryPgm_ThrowsInvalidData()
    {
        using var folder = new TempFolder();
        var bytes = DigitFiles.Pgm5(Gradient());
        var path = folder.Write("cut.pgm", bytes[..^100]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path, asIs: true));
        StringAssert.Contains(error.Message, "cut short");
    }

    [TestMethod]
    public void Read_DamagedPng_ThrowsInvalidData()
    {
        using var folder = new TempFolder();
        var bytes = DigitFiles.GrayPng(Gradient());
        var path = folder.Write("damaged.png", bytes[..40]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path));
        StringAssert.Contains(error.Message, "damaged.png");
    }

    [TestMethod]
    public void Read_AsIsJpeg_ThrowsInvalidDataNamingTheFormats()
    {
        using var folder = new TempFolder();
        var path = folder.Write("digit.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path, asIs: true));
        StringAssert.Contains(error.Message, "neither a PNG nor a PGM");
    }

    [TestMethod]
    public void Read_OtherFormat_ThrowsInvalidDataNamingTheFormats()
    {
        using var folder = new TempFolder();
        var path = folder.Write("digit.gif", "GIF89a"u8.ToArray());
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path));
        StringAssert.Contains(error.Message, "not a PNG, JPEG or PGM");
    }

    /// <summary>The case: a 64 x 64 PNG of a dark "0" on white, as a user draws it.</summary>
    private static byte[] DarkZeroOnWhite(int side = 64)
    {
        var pixels = new byte[side * side];
        for (int i = 0; i < pixels.Length; i++)
        {
            double x = (i % side) - (side / 2.0) + 0.5, y = (i / side) - (side / 2.0) + 0.5;
            double r = Math.Sqrt((x * x / 0.45) + (y * y));
            pixels[i] = r > side * 0.25 && r < side * 0.36 ? (byte)20 : (byte)250;
        }
        return pixels;
    }

    [TestMethod]
    [DataRow("png")]
    [DataRow("pgm")]
    public void Read_AnySizeDarkOnLight_IsPreparedLikeMnist(string format)
    {
        using var folder = new TempFolder();
        var gray = DarkZeroOnWhite();
        var path = folder.Write($"zero.{format}", format == "png" ? DigitFiles.GrayPng(gray, 64, 64) : DigitFiles.Pgm5(gray, 64, 64));
        var pixels = ImageFileReader.Read(path);
        Assert.HasCount(784, pixels);
        CollectionAssert.AreEqual(MnistPipeline.Images.MnistDigitImage.FromPixels(gray, 64, 64), pixels);
        Assert.AreEqual(0, pixels[0], "the white paper became MNIST's black");
        Assert.AreEqual(0, pixels[(14 * 28) + 14], "the hole of the 0 is background");
    }

    [TestMethod]
    public void Read_PreparedWithInvert_ForcesThePaperReading()
    {
        using var folder = new TempFolder();
        var path = folder.Write("zero.png", DigitFiles.GrayPng(DarkZeroOnWhite(), 64, 64));
        CollectionAssert.AreEqual(ImageFileReader.Read(path), ImageFileReader.Read(path, invert: true));
    }

    [TestMethod]
    public void Read_BlankImage_ThrowsInvalidDataNamingTheFile()
    {
        using var folder = new TempFolder();
        var path = folder.Write("white.png", DigitFiles.GrayPng(Enumerable.Repeat((byte)255, 40 * 40).ToArray(), 40, 40));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ImageFileReader.Read(path));
        StringAssert.Contains(error.Message, "white.png");
        StringAssert.Contains(error.Message, "blank image");
    }

    [TestMethod]
    public void Read_MissingFile_ThrowsFileNotFound()
        => Assert.ThrowsExactly<FileNotFoundException>(() => ImageFileReader.Read(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.png")));
}
