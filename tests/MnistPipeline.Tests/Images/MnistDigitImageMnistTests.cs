using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Images;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Images;

/// <summary>
/// The preprocessing on real MNIST: test digits re-rendered as a user's images would be (enlarged
/// 2-4x, inverted, moved off-centre, padded to other sizes, some as PNG or JPEG files) and prepared
/// again must keep the recommended model's accuracy.
/// </summary>
[TestClass]
[TestCategory(RealMnist.Category)]
public sealed class MnistDigitImageMnistTests
{
    private const int Images = 2000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void FromPixels_MnistTestDigitsReRendered_KeepTheRecommendedModelsAccuracy()
    {
        var (pixels, labels) = TestDigits(Images);
        var ml = new MLContext(1);
        using var scorer = new Scorer(ml, RealMnistModel.Path);
        var random = new Random(15);

        int rawCorrect = 0, preparedCorrect = 0, reRenderedCorrect = 0;
        double unchangedDifference = 0;
        var byKind = new Dictionary<string, (int Correct, int Count)>();
        for (int i = 0; i < pixels.Length; i++)
        {
            rawCorrect += scorer.Predict(pixels[i]) == labels[i] ? 1 : 0;

            // MNIST's own digit, prepared again: the 28 x 28 path must be (nearly) the identity.
            var again = MnistDigitImage.FromPixels(pixels[i], 28, 28);
            unchangedDifference += PreparedDigit.MeanDifference(pixels[i], again);
            preparedCorrect += scorer.Predict(again) == labels[i] ? 1 : 0;

            var (kind, image) = ReRender(pixels[i], random);
            bool right = scorer.Predict(image) == labels[i];
            reRenderedCorrect += right ? 1 : 0;
            var (c, n) = byKind.GetValueOrDefault(kind);
            byKind[kind] = (c + (right ? 1 : 0), n + 1);
        }

        double raw = (double)rawCorrect / Images, prepared = (double)preparedCorrect / Images, reRendered = (double)reRenderedCorrect / Images;
        TestContext.WriteLine($"first {Images:N0} MNIST test digits: as stored {raw:F4}; prepared again {prepared:F4} (mean |difference| {unchangedDifference / Images:F2} of 255 per pixel); re-rendered and prepared {reRendered:F4}");
        foreach (var (kind, (c, n)) in byKind.OrderBy(k => k.Key))
            TestContext.WriteLine($"  {kind}: {(double)c / n:F4} of {n}");
        Assert.IsGreaterThanOrEqualTo(0.97, reRendered, "re-rendered test digits, prepared by MnistDigitImage");
        Assert.IsGreaterThanOrEqualTo(0.97, prepared, "MNIST's digits passed through again");
    }

    /// <summary>
    /// One of several renderings, chosen at random: enlarged 2, 3 or 4 times (bilinear), inverted or not,
    /// placed at a random spot of a larger canvas of random size, and handed over as gray pixels, a PNG
    /// or a JPEG file.
    /// </summary>
    private static (string Kind, byte[] Prepared) ReRender(byte[] digit, Random random)
    {
        int factor = random.Next(2, 5);
        int side = 28 * factor;
        byte[] large = Enlarge(digit, factor);
        bool invert = random.Next(2) == 0;
        int width = side + random.Next(0, 3 * side), height = side + random.Next(0, 3 * side);
        int left = random.Next(0, width - side + 1), top = random.Next(0, height - side + 1);
        var canvas = new byte[width * height];
        for (int y = 0; y < side; y++)
            Array.Copy(large, y * side, canvas, ((top + y) * width) + left, side);
        if (invert)
        {
            for (int i = 0; i < canvas.Length; i++)
                canvas[i] = (byte)(255 - canvas[i]);
        }

        string encoding = random.Next(3) switch { 0 => "pixels", 1 => "png", _ => "jpeg" };
        string kind = $"{encoding}{(invert ? ", inverted" : "")}";
        if (encoding == "pixels")
            return (kind, MnistDigitImage.FromPixels(canvas, width, height));
        using var bitmap = SyntheticDigits.FromGray(canvas, width, height);
        return (kind, MnistDigitImage.FromBytes(encoding == "png" ? SyntheticDigits.Png(bitmap) : SyntheticDigits.Jpeg(bitmap, 90), kind));
    }

    /// <summary>Bilinear enlargement between pixel centres.</summary>
    private static byte[] Enlarge(byte[] digit, int factor)
    {
        int side = 28 * factor;
        var result = new byte[side * side];
        for (int y = 0; y < side; y++)
        {
            double sy = Math.Clamp(((y + 0.5) / factor) - 0.5, 0, 27);
            int y0 = Math.Min((int)sy, 26);
            double fy = sy - y0;
            for (int x = 0; x < side; x++)
            {
                double sx = Math.Clamp(((x + 0.5) / factor) - 0.5, 0, 27);
                int x0 = Math.Min((int)sx, 26);
                double fx = sx - x0;
                double top = (digit[(y0 * 28) + x0] * (1 - fx)) + (digit[(y0 * 28) + x0 + 1] * fx);
                double bottom = (digit[((y0 + 1) * 28) + x0] * (1 - fx)) + (digit[((y0 + 1) * 28) + x0 + 1] * fx);
                result[(y * side) + x] = (byte)Math.Round((top * (1 - fy)) + (bottom * fy));
            }
        }
        return result;
    }

    private static (byte[][] Pixels, int[] Labels) TestDigits(int count)
    {
        var ml = new MLContext();
        var test = ml.Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels);
        var pixels = test.GetColumn<byte[]>("Image").Take(count).ToArray();
        var labels = test.GetColumn<uint>("Label").Take(count).Select(k => (int)k - 1).ToArray();
        return (pixels, labels);
    }

    /// <summary>The saved model behind a PredictionEngine, Image in, predicted digit out.</summary>
    private sealed class Scorer : IDisposable
    {
        private readonly ITransformer _model;
        private readonly PredictionEngine<Input, Output> _engine;

        public Scorer(MLContext ml, string path)
        {
            _model = ml.Model.LoadChecked(path, out _);
            _engine = ml.Model.CreatePredictionEngine<Input, Output>(_model, new PredictionEngineOptions { OwnsTransformer = false });
        }

        public int Predict(byte[] pixels) => (int)_engine.Predict(new Input { Image = pixels }).PredictedLabel - 1;

        public void Dispose()
        {
            _engine.Dispose();
            (_model as IDisposable)?.Dispose();
        }

        private sealed class Input
        {
            [VectorType(28, 28)]
            public byte[] Image { get; set; } = [];
        }

        private sealed class Output
        {
            public uint PredictedLabel { get; set; }
        }
    }
}
