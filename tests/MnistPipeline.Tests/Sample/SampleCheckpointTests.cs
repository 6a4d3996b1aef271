using MnistPipeline.Networks;
using MnistPipeline.Sample;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Sample;

/// <summary>
/// The sample's <c>--checkpoint</c> and <c>--resume</c>: Ctrl+C (a cancelled token, as Program's
/// handler cancels it) writes a checkpoint and prints the command that resumes; that command
/// ends with the model of an uninterrupted run. A leftover checkpoint is never continued or
/// overwritten without <c>--resume</c>, and <c>--resume</c> without a checkpoint fails.
/// </summary>
[TestClass]
public sealed class SampleCheckpointTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Run_Help_ListsTheCheckpointOptions()
    {
        var run = SampleRun.Of("train", "--help");
        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "--checkpoint <file>");
        StringAssert.Contains(run.Out, "--resume");
    }

    [TestMethod]
    public void Train_ResumeWithoutACheckpoint_ExitCode1NamingTheFile()
    {
        using var folder = new TempFolder();
        string model = folder.File("m.zip");
        var run = SampleRun.Of("--resume", "--model", model, "--data", folder.Path, "--offline");
        Assert.AreEqual(SampleApp.Failure, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, $"there is no checkpoint '{folder.File("m.ckpt")}' to resume");
    }

    [TestMethod]
    public void Train_CheckpointLeftByAnInterruptedRunWithoutResume_ExitCode2SayingHowToContinue()
    {
        using var folder = new TempFolder();
        string checkpoint = folder.Write("run.ckpt", [1, 2, 3]);
        var run = SampleRun.Of("--checkpoint", checkpoint, "--data", folder.Path, "--offline");
        Assert.AreEqual(SampleApp.BadArguments, run.ExitCode, run.ToString());
        StringAssert.Contains(run.ErrorLine, "add --resume to continue it, or delete the file");
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, File.ReadAllBytes(checkpoint), "the file is left as it was");
    }

    [TestMethod]
    [TestCategory(RealMnist.Category)]
    public void Train_CtrlCWithCheckpointThenResume_PrintsTheResumeCommandAndEndsWithTheUninterruptedModel()
    {
        using var folder = new TempFolder();
        string dataFolder = Path.GetDirectoryName(RealMnist.Files.TrainImages)!;
        string checkpoint = folder.File("run.ckpt");
        string[] Arguments(string model) =>
            ["--data", dataFolder, "--offline", "--model", model, "--no-report", "--train-rows", "2000", "--test-rows", "300", "--epochs", "4", "--threads", "1"];

        var uninterrupted = SampleRun.Of(Arguments(folder.File("uninterrupted.zip")));
        Assert.AreEqual(0, uninterrupted.ExitCode, uninterrupted.ToString());

        string[] withCheckpoint = [.. Arguments(folder.File("resumed.zip")), "--checkpoint", checkpoint];
        using var cancel = new CancellationTokenSource();
        using var output = new CancelOnLine("Epoch 2/4", cancel);
        using var error = new StringWriter();
        int exitCode = SampleApp.Run(withCheckpoint, output, error, interactive: false, cancel.Token);
        var stopped = new SampleRun(exitCode, output.ToString(), error.ToString());
        TestContext.WriteLine(stopped.Error);
        Assert.AreEqual(SampleApp.Canceled, stopped.ExitCode, stopped.ToString());
        StringAssert.Contains(stopped.ErrorLine, $"checkpoint saved to '{checkpoint}'");
        StringAssert.Contains(stopped.ErrorLine, "Resume with: dotnet run --project src/MnistPipeline.Sample -c Release -- ");
        StringAssert.EndsWith(stopped.ErrorLine, "--resume");
        Assert.IsTrue(File.Exists(checkpoint));
        Assert.IsFalse(File.Exists(folder.File("resumed.zip")), "no model is saved from a cancelled run");

        var resumed = SampleRun.Of([.. withCheckpoint, "--resume"]);
        TestContext.WriteLine(resumed.Out);
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        StringAssert.Contains(resumed.Out, "Resuming from the checkpoint");
        Assert.IsFalse(File.Exists(checkpoint), "finished: the checkpoint is removed");

        var expected = MlpModelParameters.Load(folder.File("uninterrupted.zip"));
        var actual = MlpModelParameters.Load(folder.File("resumed.zip"));
        for (int i = 0; i < expected.Layers.Count; i++)
        {
            CollectionAssert.AreEqual(expected.Layers[i].Weights.ToArray(), actual.Layers[i].Weights.ToArray(), $"layer {i} weights");
            CollectionAssert.AreEqual(expected.Layers[i].Bias.ToArray(), actual.Layers[i].Bias.ToArray(), $"layer {i} bias");
        }
    }

    /// <summary>Collects what the sample prints and cancels (as Ctrl+C does) when a line contains a text.</summary>
    private sealed class CancelOnLine(string text, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.Contains(text, StringComparison.Ordinal))
                cancel.Cancel();
        }
    }
}
