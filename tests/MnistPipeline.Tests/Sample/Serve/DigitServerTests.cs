using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MnistPipeline.Sample.Serve;
using MnistPipeline.Tests.Images;
using MnistPipeline.Tests.TestSupport;
using SkiaSharp;

namespace MnistPipeline.Tests.Sample.Serve;

/// <summary>
/// The prediction service over HTTP, without a browser: every answer, every 400, the body cap, and
/// the model file replaced under concurrent requests. A tiny model on synthetic data: these tests
/// check the service, not the accuracy.
/// </summary>
[TestClass]
public sealed class DigitServerTests
{
    private static TempFolder s_folder = null!;
    private static string s_model = null!;
    private static DigitServer s_server = null!;
    private static HttpClient s_client = null!;

    [ClassInitialize]
    public static async Task StartServer(TestContext _)
    {
        s_folder = new TempFolder();
        s_model = s_folder.File("mnist-mlp.zip");
        ServeFixture.SaveTinyModel(s_model);
        (s_server, s_client) = await ServeFixture.StartAsync(s_model, o => o with { MaxRequestBytes = 256 * 1024 });
    }

    [ClassCleanup]
    public static async Task StopServer()
    {
        s_client.Dispose();
        await s_server.DisposeAsync();
        s_folder.Dispose();
    }

    private static byte[] SevenPng(int width = 120, int height = 140)
    {
        using var bitmap = SyntheticDigits.Draw(width, height, SKColors.White, SyntheticDigits.Stroke(SKColors.Black, width / 12f,
            new SKPoint(width * 0.2f, height * 0.2f), new SKPoint(width * 0.8f, height * 0.2f), new SKPoint(width * 0.4f, height * 0.85f)));
        return SyntheticDigits.Png(bitmap);
    }

    private static ByteArrayContent Body(byte[] bytes, string? type)
    {
        var content = new ByteArrayContent(bytes);
        if (type is not null)
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Json)> Post(HttpContent content, string path = "/predict")
    {
        using var response = await s_client.PostAsync(path, content);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [TestMethod]
    public async Task Health_Running_GivesTheModelsVersionAndHash()
    {
        var health = JsonDocument.Parse(await s_client.GetStringAsync("/health")).RootElement;
        Assert.AreEqual("ok", health.GetProperty("status").GetString());
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(s_model)));
        Assert.AreEqual(sha, health.GetProperty("modelSha256").GetString());
        StringAssert.StartsWith(health.GetProperty("modelVersion").GetString(), sha[..12] + "-");
        Assert.AreEqual("mnist-mlp.zip", health.GetProperty("modelFile").GetString());
        Assert.AreEqual(JsonValueKind.Null, health.GetProperty("lastError").ValueKind);
    }

    [TestMethod]
    public async Task Page_Get_IsTheDrawingPageWithoutExternalResources()
    {
        using var response = await s_client.GetAsync("/");
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.AreEqual("text/html", response.Content.Headers.ContentType?.MediaType);
        string html = await response.Content.ReadAsStringAsync();
        StringAssert.Contains(html, "<canvas id=\"canvas\"");
        StringAssert.Contains(html, "id=\"upload\"");
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", ""), "no external resources");
        Assert.DoesNotContain("https://", html, "no external resources");
    }

    [TestMethod]
    [DataRow("image/png")]
    [DataRow("image/jpeg")]
    public async Task Predict_Image_GivesDigitTenProbabilitiesAndVersion(string type)
    {
        byte[] png = SevenPng();
        byte[] body = png;
        if (type == "image/jpeg")
        {
            using var bitmap = SKBitmap.Decode(png);
            body = SyntheticDigits.Jpeg(bitmap);
        }
        var (status, json) = await Post(Body(body, type), "/predict?input=true");

        Assert.AreEqual(HttpStatusCode.OK, status, json.ToString());
        var probabilities = json.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray();
        Assert.HasCount(10, probabilities);
        Assert.AreEqual(1.0, probabilities.Sum(), 1e-4);
        int best = Array.IndexOf(probabilities, probabilities.Max());
        Assert.AreEqual(best.ToString(), json.GetProperty("digit").GetString(), "the digit is the most probable class (key values 0-9)");
        Assert.AreEqual(s_server.Model.Current.Version, json.GetProperty("modelVersion").GetString());
        var input = json.GetProperty("input").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        Assert.HasCount(784, input);
        Assert.AreEqual(0, input[0], "the paper became MNIST's black");
        Assert.AreEqual(255, input.Max());
    }

    [TestMethod]
    public async Task Predict_JsonOfThePreparedPixels_GivesTheSameProbabilitiesAsThePng()
    {
        var (_, fromPng) = await Post(Body(SevenPng(), "image/png"), "/predict?input=true");
        var pixels = fromPng.GetProperty("input").EnumerateArray().Select(v => v.GetInt32() / 255.0).ToArray();
        var (status, fromJson) = await Post(JsonContent.Create(new { pixels }));

        Assert.AreEqual(HttpStatusCode.OK, status, fromJson.ToString());
        Assert.AreEqual(JsonValueKind.Null, fromJson.GetProperty("input").ValueKind, "input only when asked for");
        CollectionAssert.AreEqual(
            fromPng.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray(),
            fromJson.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray());
    }

    [TestMethod]
    [DataRow("text/plain", "hello", "unsupported Content-Type 'text/plain'")]
    [DataRow("multipart/form-data; boundary=x", "--x--", "unsupported Content-Type 'multipart/form-data'")]
    [DataRow(null, "abc", "no Content-Type")]
    [DataRow("image/png", "", "the body is empty")]
    [DataRow("image/png", "not a png", "expected a PNG or JPEG image")]
    [DataRow("image/jpeg", "\u00FF\u00D8\u00FF\u00E0 cut", "cut short")]
    [DataRow("application/json", "{\"pixels\": [0.5, 0.5]}", "\"pixels\" has 2 values; expected 784")]
    [DataRow("application/json", "[1, 2, 3]", "must be {\"pixels\": [784 numbers from 0 to 1]}")]
    [DataRow("application/json", "{\"pixels\": [", "does not parse")]
    [DataRow("application/json", "{\"pixels\": \"abc\"}", "must be {\"pixels\"")]
    public async Task Predict_BadInput_400WithOneLineReason(string? type, string body, string expected)
    {
        var (status, json) = await Post(Body(Encoding.Latin1.GetBytes(body), type));
        Assert.AreEqual(HttpStatusCode.BadRequest, status, json.ToString());
        string error = json.GetProperty("error").GetString()!;
        StringAssert.Contains(error, expected);
        AssertOneLineNoTrace(error);
    }

    [TestMethod]
    [DataRow(784, -0.1, "[5] is -0.1")]
    [DataRow(784, 1.5, "[5] is 1.5")]
    public async Task Predict_JsonValueOutOfRange_400NamingTheIndex(int length, double value, string expected)
    {
        var pixels = new double[length];
        pixels[5] = value;
        var (status, json) = await Post(JsonContent.Create(new { pixels }));
        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(json.GetProperty("error").GetString(), expected);
    }

    [TestMethod]
    public async Task Predict_BlankImage_400SayingBlank()
    {
        using var white = SyntheticDigits.Draw(50, 50, SKColors.White, _ => { });
        var (status, json) = await Post(Body(SyntheticDigits.Png(white), "image/png"));
        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(json.GetProperty("error").GetString(), "blank image");
    }

    [TestMethod]
    public async Task Predict_ImageDeclaringTooManyPixels_400BeforeDecoding()
    {
        // A 5,000 x 5,000 white PNG compresses to a few KB: the header is checked before decoding.
        using var huge = new SKBitmap(5000, 5000, SKColorType.Gray8, SKAlphaType.Opaque);
        huge.Erase(SKColors.White);
        byte[] png = SyntheticDigits.Png(huge);
        Assert.IsLessThan(256 * 1024, png.Length, "small enough to pass the body cap");
        var (status, json) = await Post(Body(png, "image/png"));
        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        StringAssert.Contains(json.GetProperty("error").GetString(), "at most 16,000,000 pixels");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public async Task Predict_BodyOverTheCap_413WithOneLine(bool withContentLength)
    {
        var bytes = new byte[300 * 1024];
        HttpContent content = withContentLength ? Body(bytes, "image/png") : new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        if (!withContentLength)
            content.Headers.ContentLength = null;
        if (withContentLength)
        {
            var (status, json) = await Post(content);
            Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, status);
            StringAssert.Contains(json.GetProperty("error").GetString(), "larger than");
            AssertOneLineNoTrace(json.GetProperty("error").GetString()!);
        }
        else
        {
            // Chunked: the server answers 413 as soon as the cap is passed and closes the connection
            // without reading the rest; the client, still sending, may see either the 413 or the close.
            try
            {
                var (status, _) = await Post(content);
                Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, status);
            }
            catch (HttpRequestException)
            {
            }
        }
        using var health = await s_client.GetAsync("/health");
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode, "the server goes on");
    }

    [TestMethod]
    public async Task UnknownPath_404()
    {
        using var response = await s_client.GetAsync("/predict/../admin");
        Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        using var wrongMethod = await s_client.GetAsync("/predict");
        Assert.AreEqual(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    private static void AssertOneLineNoTrace(string error)
    {
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("Exception", error);
    }
}
