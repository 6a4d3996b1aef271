using Microsoft.ML;
using MnistPipeline.Sample;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Sample;

/// <summary>
/// The sample's contract for failures a user can cause: one line on stderr starting "error: ",
/// exit code 2 for bad arguments and 1 for missing data, unreadable or foreign models and bad
/// images. None of these tests needs the MNIST files.
/// </summary>
[TestClass]
public sealed class SampleAppErrorTests
{
    [TestMethod]
    public void Run_Help_ListsEveryOptionAndCommand()
    {
        var run = SampleRun.Of("--help");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        foreach (string option in new[]
                 {
                     "--data", "--preset", "--epochs", "--batch-size", "--learning-rate", "--optimizer", "--loss", "--hidden", "--seed",
                     "--threads", "--model", "--report", "--quiet", "--train-rows", "--test-rows", "--offline", "evaluate", "predict", "serve",
                 })
        {
            StringAssert.Contains(run.Out, option, run.ToString());
        }
    }

    [TestMethod]
    [DataRow("--bogus", "--bogus")]
    [DataRow("--epochs 0", "--epochs must be a whole number ≥ 1")]
    [DataRow("--epochs many", "many")]
    [DataRow("--learning-rate -1", "--learning-rate")]
    [DataRow("--loss hinge", "cross-entropy, squared-error")]
    [DataRow("--optimizer rmsprop", "sgd, adam")]
    [DataRow("--preset keras", "keras")]
    [DataRow("--hidden 256,x", "'x'")]
    [DataRow("predict --index 1,x", "'x'")]
    public void Run_BadArgument_ExitCode2AndOneErrorLine(string arguments, string expected)
    {
        var run = SampleRun.Of(arguments.Split(' '));
        Assert.AreEqual(SampleApp.BadArguments, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, expected);
        Assert.AreEqual("", run.Out);
    }

    [TestMethod]
    public void Train_OptionTheTrainerRejects_ExitCode2BeforeAnyDataIsRead()
    {
        using var empty = new TempFolder();
        var run = SampleRun.Of("--hidden", "0", "--data", empty.Path, "--offline");
        Assert.AreEqual(SampleApp.BadArguments, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "HiddenLayers[0] must be ≥ 1");
    }

    [TestMethod]
    public void Train_NoDataAndNoWayToFetchIt_ExitCode1NamingTheFolder()
    {
        using var empty = new TempFolder();
        var run = SampleRun.Of("--data", empty.Path, "--offline", "--quiet");
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, empty.Path);
        StringAssert.Contains(run.ErrorLine, "--offline");
    }

    [TestMethod]
    [DataRow("evaluate")]
    [DataRow("predict")]
    [DataRow("serve")]
    public void Command_MissingModelFile_ExitCode1(string command)
    {
        using var folder = new TempFolder();
        var run = SampleRun.Of(command, "--model", folder.File("none.zip"), "--offline");
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "does not exist");
    }

    [TestMethod]
    public void Evaluate_DamagedModelFile_ExitCode1()
    {
        using var folder = new TempFolder();
        string path = folder.Write("damaged.zip", [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]);
        var run = SampleRun.Of("evaluate", "--model", path, "--offline");
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "not a readable ML.NET model");
    }

    [TestMethod]
    public void Evaluate_ModelWithoutAnImageInput_ExitCode1Foreign()
    {
        using var folder = new TempFolder();
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 40);
        using (var model = new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [4], Epochs = 1, Seed = 1, NumberOfThreads = 1 }).Fit(data))
            ml.Model.Save(model, data.Schema, folder.File("blobs.zip"));

        var run = SampleRun.Of("evaluate", "--model", folder.File("blobs.zip"), "--offline");
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "not a 28 x 28 digit classifier");
        StringAssert.Contains(run.ErrorLine, "'Image' input");
    }

    [TestMethod]
    public void Predict_ModelWithoutScores_ExitCode1Foreign()
    {
        using var folder = new TempFolder();
        using var mnist = new SyntheticMnist(count: 20, rows: 28, columns: 28);
        var ml = new MLContext(1);
        var data = mnist.Load(ml);
        var preprocessingOnly = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Fit(data);
        ml.Model.Save(preprocessingOnly, data.Schema, folder.File("pixels.zip"));
        string image = folder.Write("digit.pgm", DigitFiles.Pgm5(DigitFiles.Bar()));

        var run = SampleRun.Of("predict", "--model", folder.File("pixels.zip"), "--image", image);
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "not a 28 x 28 digit classifier");
        StringAssert.Contains(run.ErrorLine, "'Score' output");
    }

    [TestMethod]
    public void Serve_AddressInUse_ExitCode2NamingTheAddress()
    {
        using var folder = new TempFolder();
        string model = folder.File("mnist-mlp.zip");
        Serve.ServeFixture.SaveTinyModel(model);
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        string url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";

        var run = SampleRun.Of("serve", "--model", model, "--urls", url);

        Assert.AreEqual(SampleApp.BadArguments, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, $"cannot listen on {url}");
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("x")]
    public void Serve_BadMaxUpload_ExitCode2(string value)
    {
        var run = SampleRun.Of("serve", "--max-upload-mb", value);
        Assert.AreEqual(SampleApp.BadArguments, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "--max-upload-mb must be a whole number ≥ 1");
    }

    [TestMethod]
    public void Predict_AsIsImageNot28By28_ExitCode1NamingTheSize()
    {
        using var folder = new TempFolder();
        string image = folder.Write("big.png", DigitFiles.GrayPng(new byte[64 * 64], 64, 64));
        var run = SampleRun.Of("predict", "--model", folder.File("any.zip"), "--image", image, "--as-is");
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "64 x 64 pixels; expected 28 x 28");
    }

    [TestMethod]
    public void Predict_BlankImage_ExitCode1SayingBlank()
    {
        using var folder = new TempFolder();
        string image = folder.Write("big.png", DigitFiles.GrayPng(new byte[64 * 64], 64, 64));
        var run = SampleRun.Of("predict", "--model", folder.File("any.zip"), "--image", image);
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "big.png");
        StringAssert.Contains(run.ErrorLine, "blank image");
    }
}
