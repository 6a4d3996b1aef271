using Microsoft.ML;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// Scoring runs from ONNX files in the temp folder: MlpTransformer writes one, and the
/// OnnxTransformer of a loaded model writes a copy of its graph. A service that loads and disposes
/// models all day must not fill the temp folder.
/// </summary>
[TestClass]
public sealed class TempFileTests
{
    private const int Cycles = 100;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LoadAndDispose_HundredTimesWithContextTempFolder_FolderEmptyAfterEachDispose()
    {
        string model = TinyModel.TrainAndSave(Path.Combine(NewFolder("model"), "model.zip"));
        string temp = NewFolder("temp");
        var expected = (float[]?)null;
        for (int i = 0; i < Cycles; i++)
        {
            var ml = new MLContext { TempFilePath = temp };
            // Both ways of loading: ML.NET's and the checked one.
            var loaded = i % 2 == 0 ? ml.Model.Load(model, out _) : ml.Model.LoadChecked(model, out _);
            Assert.HasCount(1, Directory.GetFiles(temp), $"cycle {i}: the loaded model scores from one temporary ONNX copy");
            float[] scores = TinyModel.ScoreOneRow(ml, loaded);
            expected ??= scores;
            CollectionAssert.AreEqual(expected, scores);
            ((IDisposable)loaded).Dispose();
            Assert.IsEmpty(Directory.GetFiles(temp), $"cycle {i}: disposing the loaded chain deletes the copy");
        }
        TestContext.WriteLine($"{Cycles} loads (half ml.Model.Load, half LoadChecked), each scored and disposed: temp folder empty after each");
    }

    [TestMethod]
    public void LoadAndDispose_HundredTimesInChildWithDefaultTempFolder_NothingLeft()
    {
        // A default MLContext writes to Path.GetTempPath(), shared with every other process here;
        // the child gets its own through TMPDIR, so that what is left there is its doing.
        string model = TinyModel.TrainAndSave(Path.Combine(NewFolder("model"), "model.zip"));
        string temp = NewFolder("tmpdir");
        var run = TestWorker.Run(TimeSpan.FromMinutes(4), new Dictionary<string, string> { ["TMPDIR"] = temp + "/" },
            "load-dispose", model, Cycles.ToString());
        Assert.IsFalse(run.TimedOut, "the child hung");
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual($"ok {Cycles}", run.StandardOutput);
        string[] left = LeftBehind(temp);
        Assert.IsEmpty(left, $"left in the child's temp folder: {string.Join(", ", left)}");
    }

    [TestMethod]
    public void FitAndDispose_MlpTransformer_TemporaryModelFileDeleted()
    {
        string temp = NewFolder("fit");
        var ml = new MLContext(1) { TempFilePath = temp };
        var (data, trainer) = TinyModel.Prepare(ml);
        for (int i = 0; i < 10; i++)
        {
            var model = trainer.Fit(data);
            Assert.HasCount(1, Directory.GetFiles(temp, "mnistpipeline-*.onnx"));
            model.Dispose();
            Assert.IsEmpty(Directory.GetFiles(temp), $"fit {i}");
        }
    }

    [TestMethod]
    public void FitWithoutDispose_ProcessExits_TemporaryModelFileDeleted()
    {
        // The documented fallback for transformers never disposed: deleted at a normal process exit.
        string temp = NewFolder("undisposed");
        var run = TestWorker.Run(TimeSpan.FromMinutes(2), new Dictionary<string, string> { ["TMPDIR"] = temp + "/" }, "fit-no-dispose");
        Assert.AreEqual(0, run.ExitCode, run.StandardError);
        Assert.AreEqual("ok", run.StandardOutput);
        Assert.IsEmpty(LeftBehind(temp));
    }

    /// <summary>
    /// What a process left in its temp folder, except ONNX Runtime's telemetry session file:
    /// ONNX Runtime 1.31.1 on Linux writes one file named <c>.ses</c> (a timestamp and a GUID) into
    /// the temp folder when its environment starts, before any API could turn telemetry off. It
    /// is one fixed name per folder, rewritten by every process, not one file per model.
    /// </summary>
    private static string[] LeftBehind(string folder)
        => Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Where(n => n != OnnxRuntimeSessionFile).ToArray()!;

    private const string OnnxRuntimeSessionFile = ".ses";

    [TestMethod]
    public void LoadChecked_DamagedModels_LeaveNoTemporaryFile()
    {
        // Regression: ML.NET writes the ONNX copy before ONNX Runtime parses it and keeps it when
        // parsing fails; LoadChecked rejects such a graph from memory first.
        string folder = NewFolder("damaged");
        string good = TinyModel.TrainAndSave(Path.Combine(folder, "good.zip"));
        string temp = NewFolder("damaged-temp");
        var ml = new MLContext { TempFilePath = temp };
        int tried = 0;
        foreach (var damaged in DamagedVariants(File.ReadAllBytes(good)))
        {
            string path = Path.Combine(folder, $"damaged-{tried++}.zip");
            File.WriteAllBytes(path, damaged);
            Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadChecked(path, out _));
            Assert.IsEmpty(Directory.GetFiles(temp), $"variant {tried - 1}");
        }
        Assert.IsGreaterThan(0, tried);
    }

    [TestMethod]
    public void LoadChecked_ChainFailsAfterTheOnnxStep_LeavesNoTemporaryFile()
    {
        // Regression: ML.NET had already built the OnnxTransformer (and written its ONNX copy)
        // when a later transform failed to load; nothing disposed it, so the copy stayed until
        // a finalizer ran at some later GC.
        string folder = NewFolder("partial");
        string good = TinyModel.TrainAndSave(Path.Combine(folder, "good.zip"));
        string damaged = Path.Combine(folder, "no-key-mapping.zip");
        File.Copy(good, damaged);
        using (var zip = System.IO.Compression.ZipFile.Open(damaged, System.IO.Compression.ZipArchiveMode.Update))
            zip.GetEntry("TransformerChain/Transform_003/Model.key")!.Delete();
        string temp = NewFolder("partial-temp");
        var ml = new MLContext { TempFilePath = temp };
        Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadChecked(damaged, out _));
        Assert.IsEmpty(Directory.GetFiles(temp));
    }

    /// <summary>Copies whose ONNX entry is damaged but whose zip is intact (CRCs match): ONNX Runtime must judge them.</summary>
    private static IEnumerable<byte[]> DamagedVariants(byte[] good)
    {
        const string entry = "TransformerChain/Transform_000/OnnxModel";
        byte[] onnx;
        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(good)))
        using (var data = zip.GetEntry(entry)!.Open())
        using (var copy = new MemoryStream())
        {
            data.CopyTo(copy);
            onnx = copy.ToArray();
        }
        var random = new Random(3);
        for (int i = 0; i < 5; i++)
        {
            var garbage = (byte[])onnx.Clone();
            random.NextBytes(garbage.AsSpan(4 + random.Next(garbage.Length / 4)));
            yield return Replace(good, entry, garbage);
        }
    }

    private static byte[] Replace(byte[] zipBytes, string name, byte[] content)
    {
        using var buffer = new MemoryStream();
        buffer.Write(zipBytes);
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(name)!.Delete();
            using var data = zip.CreateEntry(name).Open();
            data.Write(content);
        }
        return buffer.ToArray();
    }

    private string NewFolder(string name)
    {
        string folder = Path.Combine(TestContext.TestRunResultsDirectory!, $"temp-{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
