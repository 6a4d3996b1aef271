using System.Globalization;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training.Checkpoints;

namespace MnistPipeline.Tests.Training.Checkpoints;

/// <summary>
/// Training killed with SIGKILL (as <c>kill -9</c>) at seeded points, then resumed in a fresh
/// process, again and again: the final weights must be bit-identical to an uninterrupted run with
/// the same seed and thread count (the model's ONNX bytes, batch norm's running statistics
/// included). Each scenario runs tests/MnistPipeline.TestWorker's <c>checkpoint-run</c> (4 epochs
/// of 16 steps on 512 synthetic rows, one thread, a checkpoint every 3 steps and after every epoch;
/// the ConvNet scenario reads the 16 features as 4 × 4 images and validates every epoch) and is
/// killed four times: right after a seeded step, during a seeded checkpoint write after a seeded
/// number of bytes, after a write is flushed but before it replaces the previous checkpoint, and
/// from outside at a seeded step line.
/// </summary>
[TestClass]
public sealed class CheckpointKillTests
{
    private const string Every = "3";
    private const int SigKillExitCode = 128 + 9;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    [DataRow("sgd", 1401, DisplayName = "SGD with momentum and weight decay, no shuffling")]
    [DataRow("adam", 1402, DisplayName = "Adam with shuffling")]
    [DataRow("dropout", 1403, DisplayName = "Adam with shuffling and dropout")]
    [DataRow("convnet", 1405, DisplayName = "ConvNet with batch norm, dropout and early stopping")]
    public void Fit_KilledAtSeededPoints_ResumesToWeightsOfUninterruptedRun(string scenario, int seed)
        => KillAndResume(scenario, seed);

    [TestMethod]
    [TestCategory("Long")]
    [DataRow("early", 1404, DisplayName = "validation with early stopping and best weights")]
    [DataRow("sgd", 2401)]
    [DataRow("adam", 2402)]
    [DataRow("dropout", 2403)]
    [DataRow("dropout", 3403)]
    public void Fit_KilledAtMoreSeededPoints_ResumesToWeightsOfUninterruptedRun(string scenario, int seed)
        => KillAndResume(scenario, seed);

    private void KillAndResume(string scenario, int seed)
    {
        var reference = TestWorker.Run(Timeout, "checkpoint-run", scenario, "-", Every);
        Assert.AreEqual(0, reference.ExitCode, reference.StandardError);
        string expected = HashOf(reference);

        using var folder = new TempFolder("mnistpipeline-checkpoint-");
        string checkpoint = folder.File("run.ckpt");
        var random = new Random(seed);
        string[][] selfKills =
        [
            ["kill-step", Number(random.Next(4, 20))], // after the first checkpoint (step 3), so that every later run resumes
            ["kill-write", Number(random.Next(1, 4)), Number(random.Next(1, 8000))],
            ["kill-replace", Number(random.Next(1, 4))],
        ];
        foreach (string[] kill in selfKills)
        {
            var run = TestWorker.Run(Timeout, ["checkpoint-run", scenario, checkpoint, Every, .. kill]);
            Log(string.Join(" ", kill), run);
            AssertKilled(run, string.Join(" ", kill));
            if (kill[0] is "kill-write" or "kill-replace")
                Assert.HasCount(1, Directory.GetFiles(folder.Path, ".run.ckpt.*.tmp"), $"{kill[0]}: the interrupted write leaves its temporary file");
            // Whatever the kill interrupted, the checkpoint in place is whole.
            if (File.Exists(checkpoint))
                CheckpointFile.Read(checkpoint);
        }

        int lines = random.Next(1, 9);
        int seen = 0;
        var external = TestWorker.RunAndKill(Timeout, line => line.StartsWith("step ", StringComparison.Ordinal) && ++seen == lines,
            "checkpoint-run", scenario, checkpoint, Every);
        Log($"kill -9 from outside after {lines} step lines", external);
        AssertKilled(external, "kill from outside");
        if (File.Exists(checkpoint))
            CheckpointFile.Read(checkpoint);

        var last = TestWorker.Run(Timeout, "checkpoint-run", scenario, checkpoint, Every);
        Log("resume to the end", last);
        Assert.AreEqual(0, last.ExitCode, last.StandardError);
        StringAssert.Contains(last.StandardOutput, "log Resuming from the checkpoint");
        // SGD and Adam without dropout train with the fused step (its packed optimizer state is checkpointed too).
        StringAssert.Contains(last.StandardOutput, scenario is "sgd" or "adam" ? "log Training step: fused" : "log Training step: autograd");
        Assert.AreEqual(expected, HashOf(last), "the resumed weights are bit-identical to the uninterrupted run's");
        Assert.IsEmpty(Directory.GetFileSystemEntries(folder.Path), "a finished Fit removes its checkpoint and any leftover temporary file");
    }

    private static void AssertKilled(TestWorker.Result run, string how)
    {
        Assert.IsFalse(run.TimedOut, $"{how}: timed out");
        Assert.AreEqual(SigKillExitCode, run.ExitCode, $"{how}: the process must die by SIGKILL, not finish. Output:\n{run.StandardOutput}\n{run.StandardError}");
        Assert.IsFalse(run.StandardOutput.Contains("hash ", StringComparison.Ordinal), $"{how}: training finished before the kill");
    }

    private static string HashOf(TestWorker.Result run)
        => run.StandardOutput.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("hash ", StringComparison.Ordinal))["hash ".Length..];

    private void Log(string what, TestWorker.Result run)
    {
        var lines = run.StandardOutput.Split('\n').Select(l => l.Trim()).Where(l => !l.StartsWith("step ", StringComparison.Ordinal)).ToArray();
        string lastStep = run.StandardOutput.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("step ", StringComparison.Ordinal)) ?? "no step";
        TestContext.WriteLine($"== {what}: exit {run.ExitCode}, last {lastStep}");
        foreach (string line in lines)
            TestContext.WriteLine("   " + line);
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
