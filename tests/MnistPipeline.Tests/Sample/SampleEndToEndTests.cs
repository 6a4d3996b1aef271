using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Sample;

/// <summary>
/// The sample's whole path on a subset of real MNIST: train (the tutorial's recipe, fewer rows
/// and epochs) → save → report → reload and predict, then evaluate and predict the saved model
/// again, once in a new process as a user would.
/// </summary>
[TestClass]
[TestCategory(RealMnist.Category)]
public sealed partial class SampleEndToEndTests
{
    private const int TrainRows = 3000;
    private const int TestRows = 500;
    private const int Epochs = 3;

    public TestContext TestContext { get; set; } = null!;

    private static string DataFolder => Path.GetDirectoryName(RealMnist.Files.TrainImages)!;

    [TestMethod]
    public void TrainEvaluatePredict_Subset_RunsEndToEndAndWritesTheReport()
    {
        using var folder = new TempFolder();
        string model = folder.File("mnist-mlp.zip"), report = folder.File("report");

        var train = SampleRun.Of("--data", DataFolder, "--offline", "--model", model, "--report", report,
            "--train-rows", $"{TrainRows}", "--test-rows", $"{TestRows}", "--epochs", $"{Epochs}", "--threads", "2");
        TestContext.WriteLine(train.Out);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        Assert.AreEqual("", train.Error);
        StringAssert.Matches(train.Out, StepLine(), "the tutorial's log lines");
        StringAssert.Contains(train.Out, $"Epoch {Epochs}/{Epochs}: training loss");
        double accuracy = PrintedAccuracy(train.Out);
        Assert.IsGreaterThanOrEqualTo(0.6, accuracy, "3,000 images, 3 epochs of the tutorial's SGD");
        StringAssert.Contains(train.Out, "Reloaded");
        StringAssert.Contains(train.Out, "test #0, true 7");
        Assert.IsTrue(File.Exists(model));

        CheckReport(report, accuracy);

        var evaluate = RunInNewProcess("evaluate", "--model", model, "--data", DataFolder, "--offline", "--test-rows", $"{TestRows}");
        Assert.AreEqual(0, evaluate.ExitCode, evaluate.ToString());
        Assert.AreEqual(accuracy, PrintedAccuracy(evaluate.Out), "the saved model measures the same in another process");

        var byIndex = SampleRun.Of("predict", "--model", model, "--data", DataFolder, "--offline", "--index", "0", "1");
        Assert.AreEqual(0, byIndex.ExitCode, byIndex.ToString());
        StringAssert.Contains(byIndex.Out, "test #1, true 2");
        string predictedForZero = Predicted().Match(byIndex.Out).Groups[1].Value;

        // The same image as files: the prediction must not depend on how the pixels arrived.
        var pixels = new MLContext().Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels)
            .GetColumn<byte[]>("Image").First();
        string pgm = folder.Write("seven.pgm", DigitFiles.Pgm5(pixels));
        string png = folder.Write("seven.png", DigitFiles.GrayPng(pixels));
        var byFile = SampleRun.Of("predict", "--model", model, "--image", pgm, png, "--as-is");
        Assert.AreEqual(0, byFile.ExitCode, byFile.ToString());
        var fromFiles = Predicted().Matches(byFile.Out).Select(m => m.Groups[1].Value).ToArray();
        CollectionAssert.AreEqual(new[] { predictedForZero, predictedForZero }, fromFiles, byFile.Out);

        // Prepared again (the default): MNIST's own digit is already in that format.
        var prepared = SampleRun.Of("predict", "--model", model, "--image", png);
        Assert.AreEqual(0, prepared.ExitCode, prepared.ToString());
        Assert.AreEqual(predictedForZero, Predicted().Match(prepared.Out).Groups[1].Value, prepared.Out);
    }

    private static void CheckReport(string report, double printedAccuracy)
    {
        Assert.AreEqual((1200, 450), PngFile.Check(Path.Combine(report, "training-curves.png")));
        Assert.AreEqual((760, 680), PngFile.Check(Path.Combine(report, "confusion-matrix.png")));
        var (gridWidth, gridHeight) = PngFile.Check(Path.Combine(report, "misclassified.png"));
        Assert.IsGreaterThan(800, gridWidth);
        Assert.IsGreaterThan(100, gridHeight);

        string markdown = File.ReadAllText(Path.Combine(report, "report.md"));
        foreach (string image in new[] { "training-curves.png", "confusion-matrix.png", "misclassified.png" })
            StringAssert.Contains(markdown, $"]({image})");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")));
        var root = json.RootElement;
        Assert.AreEqual(1, root.GetProperty("formatVersion").GetInt32());
        Assert.AreEqual("train", root.GetProperty("mode").GetString());
        var training = root.GetProperty("training");
        Assert.AreEqual("tutorial", training.GetProperty("preset").GetString());
        Assert.AreEqual("Sgd", training.GetProperty("optimizer").GetString());
        Assert.AreEqual(32, training.GetProperty("batchSize").GetInt32());
        Assert.AreEqual(Epochs, training.GetProperty("epochs").GetInt32());
        Assert.AreEqual(TrainRows, training.GetProperty("trainRows").GetInt32());
        var history = training.GetProperty("history").EnumerateArray().ToArray();
        Assert.HasCount(Epochs, history);
        // The tutorial preset keeps no training image out (the test set is never validation data):
        // no validation curve; its temperature is fitted on the training images.
        Assert.IsTrue(history.All(h => h.GetProperty("validationAccuracy").ValueKind == JsonValueKind.Null), "no validation rows");
        var calibration = training.GetProperty("calibration");
        Assert.IsLessThan(1.0, calibration.GetProperty("temperature").GetDouble(), "the squared-error outputs are sharpened");
        Assert.AreEqual((1000, 480), PngFile.Check(Path.Combine(report, "reliability-diagram.png")));
        StringAssert.Contains(markdown, "](reliability-diagram.png)");
        Assert.IsLessThan(0.05, root.GetProperty("test").GetProperty("expectedCalibrationError").GetDouble(), "calibrated");

        var test = root.GetProperty("test");
        Assert.AreEqual(TestRows, test.GetProperty("rows").GetInt32());
        Assert.AreEqual(printedAccuracy, Math.Round(test.GetProperty("accuracy").GetDouble(), 4));
        var matrix = test.GetProperty("confusionMatrix").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.HasCount(10, matrix);
        Assert.AreEqual(TestRows, matrix.Sum(r => r.Sum()));
        Assert.AreEqual(TestRows - Enumerable.Range(0, 10).Sum(i => matrix[i][i]), test.GetProperty("misclassified").GetInt32());
        Assert.HasCount(10, test.GetProperty("perClass").EnumerateArray().ToArray());

        var listed = root.GetProperty("files").EnumerateArray().Select(f => f.GetString()).Order().ToArray();
        var present = Directory.GetFiles(report).Select(Path.GetFileName).Order().ToArray();
        CollectionAssert.AreEqual(present, listed);
    }

    private static double PrintedAccuracy(string output)
    {
        var match = AccuracyLine().Match(output);
        Assert.IsTrue(match.Success, output);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>Runs the built sample (its own output folder) with <c>dotnet</c>, as a user would.</summary>
    private static SampleRun RunInNewProcess(params string[] args)
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        string dll = Path.Combine(TestWorker.RepositoryRoot(), "src", "MnistPipeline.Sample", "bin", configuration, "net10.0", "MnistPipeline.Sample.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the sample did not finish within 3 minutes");
        }
        return new SampleRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    [GeneratedRegex(@"^Step 0: Loss is: \d+\.\d{4} Accuracy: \d\.\d{4}$", RegexOptions.Multiline)]
    private static partial Regex StepLine();

    [GeneratedRegex(@"^Test set \([\d,]+ images\): accuracy (\d\.\d{4})", RegexOptions.Multiline)]
    private static partial Regex AccuracyLine();

    [GeneratedRegex(@"predicted (\d)  p = ")]
    private static partial Regex Predicted();
}
