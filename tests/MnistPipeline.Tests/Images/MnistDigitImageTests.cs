using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Images;
using MnistPipeline.Tests.TestSupport;
using SkiaSharp;

namespace MnistPipeline.Tests.Images;

[TestClass]
public sealed class MnistDigitImageTests
{
    private static readonly SKColor White = SKColors.White, Black = SKColors.Black;

    /// <summary>A 10 x 40 bar off-centre in a 100 x 80 image.</summary>
    private static SKBitmap Bar(SKColor background, SKColor ink) => SyntheticDigits.Draw(100, 80, background, SyntheticDigits.Rectangle(70, 5, 10, 40, ink));

    /// <summary>A "7"-like pair of strokes on white, drawn with a pen.</summary>
    private static SKBitmap Seven(int width = 200, int height = 240, SKColor? background = null, SKColor? ink = null)
        => SyntheticDigits.Draw(width, height, background ?? White, SyntheticDigits.Stroke(ink ?? Black, width / 14f,
            new SKPoint(width * 0.25f, height * 0.2f), new SKPoint(width * 0.75f, height * 0.2f), new SKPoint(width * 0.4f, height * 0.85f)));

    [TestMethod]
    public void FromPixels_BarOnBlack_FitsTwentyHighKeepsAspectAndCentresTheMass()
    {
        using var bar = Bar(Black, White);
        var pixels = MnistDigitImage.FromPixels(SyntheticDigits.Gray(bar), 100, 80);

        Assert.HasCount(784, pixels);
        var (_, _, width, height) = PreparedDigit.BoundingBox(pixels);
        Assert.AreEqual(20, height, "the longer side is scaled to 20");
        Assert.AreEqual(5, width, "10 x 40 keeps its 1:4 aspect");
        var (x, y) = PreparedDigit.CentreOfMass(pixels);
        Assert.AreEqual(14.0, x, 0.5, "centre of mass, column");
        Assert.AreEqual(14.0, y, 0.5, "centre of mass, row");
        Assert.AreEqual(255, pixels.Max());
    }

    [TestMethod]
    public void FromPixels_WideShape_KeepsTheAspectRatio()
    {
        using var wide = SyntheticDigits.Draw(300, 300, Black, SyntheticDigits.Rectangle(20, 200, 240, 60, White));
        var (_, _, width, height) = PreparedDigit.BoundingBox(MnistDigitImage.FromPixels(SyntheticDigits.Gray(wide), 300, 300));
        Assert.AreEqual((20, 5), (width, height));
    }

    [TestMethod]
    public void FromPixels_DarkOnLight_IsInvertedToTheSameDigit()
    {
        using var light = Bar(White, Black);
        using var dark = Bar(Black, White);
        CollectionAssert.AreEqual(
            MnistDigitImage.FromPixels(SyntheticDigits.Gray(dark), 100, 80),
            MnistDigitImage.FromPixels(SyntheticDigits.Gray(light), 100, 80));
    }

    [TestMethod]
    public void FromPixels_BackgroundForcedDarkOnPaper_IsObeyedAndFoundBlank()
    {
        // Told "dark background", a black bar on white is a white image with a hole: no ink above the background.
        using var bar = Bar(White, Black);
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            MnistDigitImage.FromPixels(SyntheticDigits.Gray(bar), 100, 80, options: new MnistDigitImageOptions { Background = DigitBackground.Dark }));
        StringAssert.Contains(error.Message, "blank image");
    }

    [TestMethod]
    public void FromPixels_TightCropTouchingTheEdges_StillSeesPaper()
    {
        // A thick "0" whose ring touches all four edges: the border is mostly ink, the image mostly paper.
        using var zero = SyntheticDigits.Draw(60, 80, White, canvas =>
        {
            using var paint = new SKPaint { Color = Black, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 10 };
            canvas.DrawOval(new SKRect(5, 5, 55, 75), paint);
        });
        var pixels = MnistDigitImage.FromPixels(SyntheticDigits.Gray(zero), 60, 80);
        Assert.AreEqual(0, pixels[(14 * 28) + 14], "the hole of the 0 is background");
        Assert.AreEqual(20, PreparedDigit.BoundingBox(pixels).Height);
    }

    [TestMethod]
    public void FromPixels_BackgroundForcedLight_InvertsAndMatchesAuto()
    {
        using var bar = Bar(White, Black);
        var gray = SyntheticDigits.Gray(bar);
        CollectionAssert.AreEqual(MnistDigitImage.FromPixels(gray, 100, 80),
            MnistDigitImage.FromPixels(gray, 100, 80, options: new MnistDigitImageOptions { Background = DigitBackground.Light }));
    }

    [TestMethod]
    public void FromPixels_UnevenMass_CentreOfMassNotBoxCentreIsCentred()
    {
        // A block top-left and a bar along the bottom: box centre (10, 10) and centre of mass (about 6.7, 10.8) differ.
        using var image = SyntheticDigits.Draw(200, 200, Black, c =>
        {
            SyntheticDigits.Rectangle(20, 20, 60, 60, White)(c);
            SyntheticDigits.Rectangle(20, 160, 160, 20, White)(c);
        });
        var pixels = MnistDigitImage.FromPixels(SyntheticDigits.Gray(image), 200, 200);
        var (x, y) = PreparedDigit.CentreOfMass(pixels);
        var (left, top, width, height) = PreparedDigit.BoundingBox(pixels);
        Assert.AreEqual(14.0, x, 0.5);
        Assert.AreEqual(14.0, y, 0.5);
        Assert.IsGreaterThan(1.5, Math.Abs(left + (width / 2.0) - 14), "the box itself is off-centre");
        Assert.AreEqual((20, 20), (width, height));
        Assert.IsGreaterThanOrEqualTo(0, top);
    }

    [TestMethod]
    public void FromPixels_MassAtTheEdgeOfTheBox_ClampedInsideTheField()
    {
        // Nearly all mass in one corner: centring it would push the box out of the field.
        using var image = SyntheticDigits.Draw(100, 100, Black, c =>
        {
            SyntheticDigits.Rectangle(0, 0, 30, 30, White)(c);
            SyntheticDigits.Rectangle(99, 99, 1, 1, White)(c);
        });
        var pixels = MnistDigitImage.FromPixels(SyntheticDigits.Gray(image), 100, 100);
        var (left, top, width, height) = PreparedDigit.BoundingBox(pixels);
        Assert.IsTrue(left >= 0 && top >= 0 && left + width <= 28 && top + height <= 28, $"box {left},{top} {width}x{height}");
        Assert.IsGreaterThan(0, pixels.Sum(p => p), "the digit is there");
    }

    [TestMethod]
    public void FromPixels_PreparedDigit_PreparedAgainIsUnchanged()
    {
        // A prepared digit is already in MNIST's format: a second pass must not move or blur it.
        using var seven = Seven();
        var once = MnistDigitImage.FromPixels(SyntheticDigits.Gray(seven), seven.Width, seven.Height);
        var twice = MnistDigitImage.FromPixels(once, 28, 28);
        Assert.IsLessThan(1.0, PreparedDigit.MeanDifference(once, twice), "mean absolute difference per pixel");
    }

    [TestMethod]
    public void FromPixels_TinyImage_IsEnlargedToTheBox()
    {
        var pixels = new byte[3 * 5];
        pixels[1] = pixels[4] = pixels[7] = pixels[10] = pixels[13] = 255; // a 1-pixel-wide "1", 5 high
        var (_, _, width, height) = PreparedDigit.BoundingBox(MnistDigitImage.FromPixels(pixels, 3, 5));
        Assert.AreEqual(20, height);
        Assert.IsLessThanOrEqualTo(5, width);
    }

    [TestMethod]
    public void FromPixels_OnePixel_GivesOneBlockNotAnError()
    {
        var pixels = new byte[64 * 64];
        pixels[(30 * 64) + 30] = 255;
        var prepared = MnistDigitImage.FromPixels(pixels, 64, 64);
        Assert.AreEqual((20, 20), (PreparedDigit.BoundingBox(prepared).Width, PreparedDigit.BoundingBox(prepared).Height));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(255)]
    [DataRow(128)]
    public void FromPixels_Blank_ThrowsInvalidDataSayingBlank(int level)
    {
        var pixels = Enumerable.Repeat((byte)level, 50 * 40).ToArray();
        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigitImage.FromPixels(pixels, 50, 40, "empty.png"));
        StringAssert.Contains(error.Message, "'empty.png'");
        StringAssert.Contains(error.Message, "blank image");
    }

    [TestMethod]
    public void FromPixels_FaintNoiseOnly_IsBlank()
    {
        var random = new Random(1);
        var pixels = Enumerable.Range(0, 60 * 60).Select(_ => (byte)(230 + random.Next(8))).ToArray();
        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigitImage.FromPixels(pixels, 60, 60));
        StringAssert.Contains(error.Message, "blank image");
    }

    [TestMethod]
    public void FromPixels_WrongPixelCount_ThrowsArgument()
        => Assert.ThrowsExactly<ArgumentException>(() => MnistDigitImage.FromPixels(new byte[10], 4, 4));

    [TestMethod]
    public void Options_OutOfRange_ThrowNamingTheOption()
    {
        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MnistDigitImage.FromPixels(new byte[4], 2, 2, options: new MnistDigitImageOptions { MaxPixelCount = 0 }));
        Assert.AreEqual("MaxPixelCount", error.ParamName);
        error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MnistDigitImage.FromPixels(new byte[4], 2, 2, options: new MnistDigitImageOptions { Background = (DigitBackground)9 }));
        Assert.AreEqual("Background", error.ParamName);
    }

    [TestMethod]
    [DataRow("gray-png")]
    [DataRow("rgb-png")]
    [DataRow("rgba-transparent-png")]
    [DataRow("jpeg")]
    [DataRow("color-jpeg")]
    public void FromBytes_EveryEncoding_GivesTheSameDigitAsThePixels(string encoding)
    {
        using var seven = Seven();
        var expected = MnistDigitImage.FromPixels(SyntheticDigits.Gray(seven), seven.Width, seven.Height);
        byte[] bytes;
        switch (encoding)
        {
            case "gray-png":
                using (var gray = SyntheticDigits.FromGray(SyntheticDigits.Gray(seven), seven.Width, seven.Height))
                    bytes = SyntheticDigits.Png(gray);
                break;
            case "rgb-png":
                bytes = SyntheticDigits.Png(seven);
                break;
            case "rgba-transparent-png":
                // Dark strokes on a fully transparent canvas, as a web page's canvas exports them.
                using (var transparent = Seven(background: SKColors.Transparent))
                    bytes = SyntheticDigits.Png(transparent);
                break;
            case "jpeg":
                bytes = SyntheticDigits.Jpeg(seven);
                break;
            default:
                // Blue ink on cream paper.
                using (var colored = Seven(background: new SKColor(245, 238, 220), ink: new SKColor(20, 40, 160)))
                    bytes = SyntheticDigits.Jpeg(colored, quality: 80);
                break;
        }
        var actual = MnistDigitImage.FromBytes(bytes, encoding);
        Assert.IsLessThan(8.0, PreparedDigit.MeanDifference(expected, actual), $"{encoding}: mean absolute difference per pixel");
        var (e, a) = (PreparedDigit.BoundingBox(expected, 64), PreparedDigit.BoundingBox(actual, 64));
        Assert.IsTrue(Math.Abs(e.Left - a.Left) <= 1 && Math.Abs(e.Top - a.Top) <= 1 && Math.Abs(e.Width - a.Width) <= 1 && Math.Abs(e.Height - a.Height) <= 1,
            $"{encoding}: the ink's box (threshold 64) moved: {e} vs {a}");
    }

    [TestMethod]
    public void FromBytes_HugePhoto_IsPrepared()
    {
        using var big = Seven(4000, 3000);
        var pixels = MnistDigitImage.FromBytes(SyntheticDigits.Jpeg(big), "big.jpg");
        Assert.AreEqual(20, Math.Max(PreparedDigit.BoundingBox(pixels).Width, PreparedDigit.BoundingBox(pixels).Height));
    }

    [TestMethod]
    public void FromBytes_MorePixelsThanAllowed_ThrowsBeforeDecodingNamingTheSize()
    {
        using var seven = Seven(400, 300);
        var error = Assert.ThrowsExactly<InvalidDataException>(() =>
            MnistDigitImage.FromBytes(SyntheticDigits.Png(seven), "upload", new MnistDigitImageOptions { MaxPixelCount = 100_000 }));
        StringAssert.Contains(error.Message, "'upload'");
        StringAssert.Contains(error.Message, "at most 100,000 pixels");
        StringAssert.Contains(error.Message, "400 x 300");
    }

    [TestMethod]
    public void FromBytes_NotAnImage_ThrowsNamingTheFormats()
    {
        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigitImage.FromBytes("GIF89a..."u8.ToArray(), "d.gif"));
        StringAssert.Contains(error.Message, "'d.gif'");
        StringAssert.Contains(error.Message, "expected a PNG or JPEG image");
        error = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigitImage.FromBytes([], "empty"));
        StringAssert.Contains(error.Message, "no bytes");
    }

    [TestMethod]
    [DataRow("png", 40)]
    [DataRow("png", 100)]
    [DataRow("jpeg", 30)]
    public void FromBytes_CutShort_ThrowsInvalidData(string format, int length)
        // stb_image decodes a JPEG cut in its scan data as far as it goes, as browsers do; cut in the header, it fails.
    {
        using var seven = Seven();
        var bytes = format == "png" ? SyntheticDigits.Png(seven) : SyntheticDigits.Jpeg(seven);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => MnistDigitImage.FromBytes(bytes[..length], "cut"));
        StringAssert.Contains(error.Message, "'cut'");
    }

    [TestMethod]
    public void FromBytes_JpegSegmentLongerThanTheData_ThrowsInsteadOfHanging()
    {
        // StbImageSharp 2.30.16 loops forever on these 8 bytes (an APP0 segment "8,291 bytes" long).
        byte[] bytes = [0xFF, 0xD8, 0xFF, 0xE0, 0x20, 0x63, 0x75, 0x74];
        var run = Task.Run(() => Assert.ThrowsExactly<InvalidDataException>(() => MnistDigitImage.FromBytes(bytes, "upload")));
        Assert.IsTrue(run.Wait(TimeSpan.FromSeconds(10)), "returned within 10 s");
        StringAssert.Contains(run.Result.Message, "cut short");
    }

    [TestMethod]
    [DataRow("png")]
    [DataRow("jpeg")]
    public void FromBytes_CutOrFlippedAnywhere_ThrowsInvalidDataOrDecodesQuickly(string format)
    {
        // Every cut length (step 3) and 300 seeded flips of 1-4 bytes: each input either decodes or
        // fails with InvalidDataException, within 5 s; nothing else escapes and nothing hangs.
        using var seven = Seven(60, 70);
        byte[] valid = format == "png" ? SyntheticDigits.Png(seven) : SyntheticDigits.Jpeg(seven);
        var inputs = new List<byte[]>();
        for (int length = 0; length < valid.Length; length += 3)
            inputs.Add(valid[..length]);
        var random = new Random(15);
        for (int i = 0; i < 300; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (int flips = random.Next(1, 5); flips > 0; flips--)
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            inputs.Add(mutated);
        }
        int failed = 0, decoded = 0;
        foreach (var input in inputs)
        {
            var run = Task.Run(() =>
            {
                try
                {
                    MnistDigitImage.FromBytes(input, "fuzz");
                    return true;
                }
                catch (InvalidDataException)
                {
                    return false;
                }
            });
            Assert.IsTrue(run.Wait(TimeSpan.FromSeconds(5)), $"{format}: input of {input.Length} bytes did not finish within 5 s");
            if (run.Result)
                decoded++;
            else
                failed++;
        }
        Assert.IsGreaterThan(0, failed);
        Assert.IsGreaterThan(0, decoded);
    }

    [TestMethod]
    public void FromFile_MissingFile_ThrowsFileNotFound()
        => Assert.ThrowsExactly<FileNotFoundException>(() => MnistDigitImage.FromFile(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.png")));

    [TestMethod]
    public void ToScaledFloats_DividesBy255()
        => CollectionAssert.AreEqual(new[] { 0f, 1f, (float)(51 / 255.0) }, MnistDigitImage.ToScaledFloats([0, 255, 51]));

    [TestMethod]
    public void LoadDigitImages_Files_GiveMnistsImageColumnInOrder()
    {
        using var folder = new TempFolder();
        using var seven = Seven();
        using var bar = Bar(White, Black);
        string a = folder.Write("seven.jpg", SyntheticDigits.Jpeg(seven)), b = folder.Write("bar.png", SyntheticDigits.Png(bar));

        var ml = new MLContext(1);
        var data = ml.Data.LoadDigitImages([a, b]);

        var image = data.Schema[DigitImageCatalog.ImageColumnName];
        var type = (VectorDataViewType)image.Type;
        Assert.AreEqual(NumberDataViewType.Byte, type.ItemType);
        CollectionAssert.AreEqual(new[] { 28, 28 }, type.Dimensions.ToArray());
        CollectionAssert.AreEqual(new[] { a, b }, data.GetColumn<string>(DigitImageCatalog.PathColumnName).ToArray());
        var images = data.GetColumn<byte[]>(DigitImageCatalog.ImageColumnName).ToArray();
        CollectionAssert.AreEqual(MnistDigitImage.FromFile(b), images[1]);
    }

    [TestMethod]
    public void LoadDigitImages_OneBadFile_ThrowsNamingIt()
    {
        using var folder = new TempFolder();
        using var seven = Seven();
        string good = folder.Write("good.png", SyntheticDigits.Png(seven)), bad = folder.Write("bad.png", [1, 2, 3]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Data.LoadDigitImages([good, bad]));
        StringAssert.Contains(error.Message, bad);
    }
}
