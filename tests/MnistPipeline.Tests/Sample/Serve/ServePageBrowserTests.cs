using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.Playwright;
using MnistPipeline.Data;
using MnistPipeline.Sample.Serve;
using MnistPipeline.Tests.Images;
using MnistPipeline.Tests.TestSupport;
using SkiaSharp;
using static Microsoft.Playwright.Assertions;

namespace MnistPipeline.Tests.Sample.Serve;

/// <summary>
/// The drawing page in a real browser: Debian's chromium, headless, driven by Playwright. Digits are
/// drawn on the canvas with mouse events and a photo-like JPEG is uploaded; the page must show the
/// right digit. The model is the recommended preset trained on real MNIST (<see cref="RealMnistModel"/>),
/// hence also the RealData category. Set MNISTPIPELINE_UPDATE_DOCS=1 to write the screenshot to docs/.
/// </summary>
[TestClass]
[TestCategory(Category)]
[TestCategory(RealMnist.Category)]
public sealed class ServePageBrowserTests
{
    public const string Category = "Browser";

    /// <summary>Flags for a headless chromium on a machine without internet access (no sandbox: CI runs as root).</summary>
    private static readonly string[] ChromiumArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private static TempFolder s_folder = null!;
    private static DigitServer s_server = null!;
    private static IPlaywright s_playwright = null!;
    private static IBrowserContext s_browser = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task Start(TestContext _)
    {
        string chromium = FindOnPath("chromium")
            ?? throw new AssertFailedException("No 'chromium' on the PATH: install it (Debian: apt-get install -y chromium; .ci/run does), or leave these tests out with --filter TestCategory!=Browser.");
        s_folder = new TempFolder();
        s_server = await DigitServer.StartAsync(new ServeOptions(RealMnistModel.Path, "http://127.0.0.1:0"), TextWriter.Null);
        s_playwright = await Playwright.CreateAsync();
        // Expectations retry until this long (default 5 s): a shared CI machine can be slow.
        SetDefaultExpectTimeout(20_000);
        // A persistent context in a fresh folder: Playwright takes the user-data-dir this way only.
        s_browser = await s_playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(s_folder.Path, "profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ChromiumArguments,
            ViewportSize = new ViewportSize { Width = 760, Height = 610 },
            BaseURL = s_server.Addresses[0],
        });
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        if (s_browser is not null)
            await s_browser.CloseAsync();
        s_playwright?.Dispose();
        if (s_server is not null)
            await s_server.DisposeAsync();
        s_folder?.Dispose();
    }

    private static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    private static async Task<IPage> OpenPage()
    {
        var page = await s_browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync("/");
        await Expect(page.Locator("#version")).Not.ToHaveTextAsync("…");
        return page;
    }

    /// <summary>
    /// Strokes of a hand-drawn digit in a unit square (x right, y down), as a person draws them:
    /// pen down, through the points, pen up.
    /// </summary>
    private static readonly Dictionary<string, (float X, float Y)[][]> Strokes = new()
    {
        ["0"] = [Enumerable.Range(0, 25).Select(i => (0.5f + (0.27f * MathF.Sin(i * MathF.Tau / 24)), 0.5f - (0.4f * MathF.Cos(i * MathF.Tau / 24)))).ToArray()],
        ["1"] = [[(0.52f, 0.1f), (0.48f, 0.9f)]],
        ["2"] = [[(0.25f, 0.3f), (0.35f, 0.13f), (0.55f, 0.1f), (0.72f, 0.2f), (0.72f, 0.38f), (0.25f, 0.88f), (0.8f, 0.88f)]],
        ["3"] = [[(0.25f, 0.17f), (0.5f, 0.1f), (0.7f, 0.17f), (0.7f, 0.35f), (0.45f, 0.48f), (0.72f, 0.6f), (0.72f, 0.8f), (0.5f, 0.9f), (0.25f, 0.83f)]],
        ["4"] = [[(0.55f, 0.1f), (0.2f, 0.62f), (0.8f, 0.62f)], [(0.6f, 0.35f), (0.6f, 0.92f)]],
        ["7"] = [[(0.22f, 0.15f), (0.78f, 0.15f), (0.42f, 0.9f)]],
    };

    private static async Task Draw(IPage page, (float X, float Y)[][] strokes)
    {
        var box = (await page.Locator("#canvas").BoundingBoxAsync())!;
        // The digit fills the middle 60% of the canvas, as people draw in a box.
        float Scale(float v, float origin, float size) => origin + (size * (0.2f + (0.6f * v)));
        foreach (var stroke in strokes)
        {
            await page.Mouse.MoveAsync(Scale(stroke[0].X, box.X, box.Width), Scale(stroke[0].Y, box.Y, box.Height));
            await page.Mouse.DownAsync();
            foreach (var (x, y) in stroke.Skip(1))
                await page.Mouse.MoveAsync(Scale(x, box.X, box.Width), Scale(y, box.Y, box.Height), new MouseMoveOptions { Steps = 6 });
            await page.Mouse.UpAsync();
        }
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("1")]
    [DataRow("2")]
    [DataRow("3")]
    [DataRow("4")]
    [DataRow("7")]
    public async Task Page_DigitDrawnWithTheMouse_ShowsThatDigit(string digit)
    {
        var page = await OpenPage();
        try
        {
            await Draw(page, Strokes[digit]);
            await Expect(page.Locator("#digit")).ToHaveTextAsync(digit);
            await Expect(page.Locator($"#bars .bar.best[data-digit='{digit}']")).ToHaveCountAsync(1);
            await Expect(page.Locator("#status")).ToHaveTextAsync("Prediction for the drawing.");

            await page.Locator("#clear").ClickAsync();
            await Expect(page.Locator("#digit")).ToHaveTextAsync("–");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [TestMethod]
    public async Task Page_PhotoLikeJpegUploaded_ShowsThePrediction()
    {
        // MNIST test digit #0 (a 7), photographed: dark blue ink on unevenly lit cream paper, sensor
        // noise, off-centre in a 360 x 300 colour JPEG.
        var test = new MLContext().Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels);
        byte[] seven = test.GetColumn<byte[]>("Image").First();
        string photo = s_folder.Write("photo.jpg", PhotoOf(seven, seed: 7));

        var page = await OpenPage();
        try
        {
            await page.Locator("#upload").SetInputFilesAsync(photo);
            await Expect(page.Locator("#photo")).ToBeVisibleAsync();
            await Expect(page.Locator("#digit")).ToHaveTextAsync("7");
            await Expect(page.Locator("#status")).ToHaveTextAsync("Prediction for the photo photo.jpg.");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [TestMethod]
    public async Task Page_NotAnImageUploaded_ShowsTheServersReason()
    {
        string text = s_folder.Write("notes.png", "not really a png"u8.ToArray());
        var page = await OpenPage();
        try
        {
            await page.Locator("#upload").SetInputFilesAsync(text);
            await Expect(page.Locator("#status")).ToContainTextAsync("expected a PNG or JPEG image");
            await Expect(page.Locator("#digit")).ToHaveTextAsync("?");
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    [TestMethod]
    public async Task Page_Screenshot_ForTheReadme()
    {
        var page = await OpenPage();
        try
        {
            await Draw(page, Strokes["3"]);
            await Expect(page.Locator("#digit")).ToHaveTextAsync("3");
            string path = Path.Combine(TestContext.TestRunResultsDirectory ?? s_folder.Path, "serve-page.png");
            byte[] png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
            TestContext.AddResultFile(path);
            Assert.AreEqual((760, 610), PngFile.Check(path));
            if (Environment.GetEnvironmentVariable("MNISTPIPELINE_UPDATE_DOCS") == "1")
                File.WriteAllBytes(Path.Combine(TestWorker.RepositoryRoot(), "docs", "serve-page.png"), png);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    /// <summary>A colour JPEG that looks like a phone photo of the digit on paper.</summary>
    private static byte[] PhotoOf(byte[] digit, int seed)
    {
        const int width = 360, height = 300, scale = 6, left = 140, top = 50;
        var random = new Random(seed);
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double light = 1.0 - (0.18 * x / width) - (0.08 * y / height);          // lit from the top left
                double ink = InkAt(digit, (x - left) / (double)scale, (y - top) / (double)scale);
                double noise = random.Next(-6, 7);
                byte Channel(double paper, double pen) => (byte)Math.Clamp((((paper * (1 - ink)) + (pen * ink)) * light) + noise, 0, 255);
                bitmap.SetPixel(x, y, new SKColor(Channel(240, 35), Channel(232, 45), Channel(214, 95)));
            }
        }
        return SyntheticDigits.Jpeg(bitmap, quality: 85);
    }

    /// <summary>The digit's ink (0..1) at a fractional pixel position, bilinear; 0 outside.</summary>
    private static double InkAt(byte[] digit, double x, double y)
    {
        if (x < 0 || y < 0 || x > 27 || y > 27)
            return 0;
        int x0 = Math.Min((int)x, 26), y0 = Math.Min((int)y, 26);
        double fx = x - x0, fy = y - y0;
        double top = (digit[(y0 * 28) + x0] * (1 - fx)) + (digit[(y0 * 28) + x0 + 1] * fx);
        double bottom = (digit[((y0 + 1) * 28) + x0] * (1 - fx)) + (digit[((y0 + 1) * 28) + x0 + 1] * fx);
        return ((top * (1 - fy)) + (bottom * fy)) / 255;
    }
}
