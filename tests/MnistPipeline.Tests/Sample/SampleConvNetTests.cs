using System.Globalization;
using System.Text.Json;
using MnistPipeline.Sample;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Sample;

/// <summary>The sample's <c>--network cnn|lenet5</c>: the ConvNet in the same train command, report and saved model.</summary>
[TestClass]
public sealed class SampleConvNetTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("--network resnet", "resnet")]
    [DataRow("--network cnn --preset recommended", "--preset applies to --network mlp")]
    [DataRow("--network lenet5 --hidden 64", "--hidden applies to --network mlp")]
    public void Train_BadNetworkArguments_ExitCode2BeforeAnyDataIsRead(string arguments, string expected)
    {
        using var empty = new TempFolder();
        var run = SampleRun.Of([.. arguments.Split(' '), "--data", empty.Path, "--offline"]);
        Assert.AreEqual(SampleApp.BadArguments, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, expected);
    }

    [TestMethod]
    public void Help_NamesTheNetworks()
    {
        var run = SampleRun.Of("--help");
        StringAssert.Contains(run.Out, "--network");
        StringAssert.Contains(run.Out, "lenet5");
    }

    [TestMethod]
    [TestCategory(RealMnist.Category)]
    public void Train_NetworkLeNet5_Subset_TrainsReportsSavesAndEvaluatesAlike()
    {
        using var folder = new TempFolder();
        string model = folder.File("lenet5.zip"), report = folder.File("report");
        string data = Path.GetDirectoryName(RealMnist.Files.TrainImages)!;

        var train = SampleRun.Of("--network", "lenet5", "--data", data, "--offline", "--model", model, "--report", report,
            "--train-rows", "3000", "--test-rows", "500", "--epochs", "2", "--threads", "1");
        TestContext.WriteLine(train.Out);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        StringAssert.Contains(train.Out, "ConvNet 1×28×28: conv 6@5×5, padding 2, max pool 2×2, conv 16@5×5, max pool 2×2, dense 120, dense 84, dense 10 (Relu), 61,706 parameters");
        StringAssert.Contains(train.Out, "Epoch 2/2: training loss");
        double accuracy = Accuracy(train.Out);
        Assert.IsGreaterThanOrEqualTo(0.5, accuracy, "3,000 images, 2 epochs of LeNet-5");
        StringAssert.Contains(train.Out, "Reloaded");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "metrics.json")));
        var training = json.RootElement.GetProperty("training");
        Assert.AreEqual("lenet5", training.GetProperty("network").GetString());
        Assert.AreEqual("lenet5", training.GetProperty("preset").GetString());
        Assert.AreEqual(61_706, training.GetProperty("parameters").GetInt64());
        CollectionAssert.AreEqual(new[] { 120, 84 }, training.GetProperty("hiddenLayers").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        StringAssert.StartsWith(File.ReadAllText(Path.Combine(report, "report.md")), "# MNIST network lenet5: training report");

        var evaluate = SampleRun.Of("evaluate", "--model", model, "--data", data, "--offline", "--test-rows", "500");
        Assert.AreEqual(0, evaluate.ExitCode, evaluate.ToString());
        Assert.AreEqual(accuracy, Accuracy(evaluate.Out), "the saved model measures the same");
    }

    private static double Accuracy(string output)
    {
        const string marker = "Test set (500 images): accuracy ";
        int at = output.IndexOf(marker, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, at, output);
        return double.Parse(output.AsSpan(at + marker.Length, 6), CultureInfo.InvariantCulture);
    }
}
