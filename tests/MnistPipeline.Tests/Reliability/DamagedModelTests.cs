using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Networks.Onnx;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// Damaged copies of a real saved model (truncated, flipped bytes, entries removed, the ONNX graph
/// replaced) are loaded with LoadChecked and ML.NET's plain Load, and scored, in a child process
/// with a timeout: a crash or a hang there fails the test naming the file instead of taking the
/// test host down. LoadChecked must throw only <see cref="InvalidDataException"/> with a message
/// that names the file and the cause, or load a model that scores exactly like the original;
/// it must leave no temporary file.
/// </summary>
[TestClass]
public sealed class DamagedModelTests
{
    private const int Seed = 7001;
    private const int Truncations = 100;
    private const int Flips = 100;
    private const string OnnxEntry = "TransformerChain/Transform_000/OnnxModel";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LoadChecked_DamagedCopiesInChildProcess_OnlyInvalidDataExceptionOrIdenticalScores()
    {
        string root = Path.Combine(TestContext.TestRunResultsDirectory!, $"damaged-{Guid.NewGuid():N}");
        string folder = Directory.CreateDirectory(Path.Combine(root, "models")).FullName;
        string temp = Directory.CreateDirectory(Path.Combine(root, "temp")).FullName;
        string original = TinyModel.TrainAndSave(Path.Combine(root, "original.zip"));
        int count = WriteDamagedCopies(File.ReadAllBytes(original), folder);
        TestContext.WriteLine($"seed {Seed}: {count} damaged copies of a {new FileInfo(original).Length:N0}-byte model");

        var run = TestWorker.Run(TimeSpan.FromMinutes(8), "load-many", folder, original, TinyModel.Features.ToString(), temp);
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split('\t')).ToArray();
        string? lastStarted = lines.LastOrDefault(l => l[0] == "start")?[1];
        var done = lines.Where(l => l[0] == "done").ToArray();
        Assert.IsFalse(run.TimedOut, $"the child hung; last file started: {lastStarted}");
        Assert.AreEqual(0, run.ExitCode, $"the child crashed on {lastStarted} (exit code {run.ExitCode}): {run.StandardError}");
        Assert.HasCount(count, done, $"every file was tried; last started: {lastStarted}");

        var problems = new List<string>();
        foreach (var line in done)
        {
            var (file, checkedLoad, checkedScore, checkedLeft) = (line[1], line[2], line[3], int.Parse(line[4]));
            string path = Path.Combine(folder, file);
            if (checkedLoad == "ok")
            {
                // A byte nobody reads (e.g. a timestamp) may be damaged; then the model must be the original.
                if (checkedScore != "same")
                    problems.Add($"{file}: LoadChecked loaded a model that scores differently: {checkedScore}");
            }
            else if (!checkedLoad.StartsWith($"System.IO.InvalidDataException: Model file '{path}' is not a readable ML.NET model: ", StringComparison.Ordinal))
            {
                problems.Add($"{file}: LoadChecked threw {checkedLoad}");
            }
            else if (UninformativeCauses.Any(u => checkedLoad.EndsWith(u, StringComparison.Ordinal)))
            {
                problems.Add($"{file}: the message does not say what is wrong: {checkedLoad}");
            }
            if (checkedLeft != 0)
                problems.Add($"{file}: LoadChecked left {checkedLeft} temporary file(s)");
        }
        Report(done);
        Assert.IsEmpty(problems, string.Join("\n", problems));
    }

    [TestMethod]
    public void LoadChecked_FlippedBitInStoredWeights_ThrowsInsteadOfLoadingOtherWeights()
    {
        // Regression: ML.NET does not check zip CRCs, so this copy loaded and scored differently.
        string original = TinyModel.TrainAndSave(NewPath("original.zip"));
        byte[] bytes = File.ReadAllBytes(original);
        var (start, length) = ZipLayout.DataOf(bytes, OnnxEntry);
        bytes[start + length / 2] ^= 0x10;
        string damaged = NewPath("flipped.zip");
        File.WriteAllBytes(damaged, bytes);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadChecked(damaged, out _));
        StringAssert.Contains(error.Message, damaged);
        StringAssert.Contains(error.Message, $"zip entry '{OnnxEntry}' is damaged");
    }

    [TestMethod]
    public void LoadChecked_OnnxGraphOfOtherFeatureCount_ThrowsAtLoadNotAtScoring()
    {
        string damaged = WithOnnxEntry("wrong-features.zip", Graph(features: TinyModel.Features + 1, classes: TinyModel.Classes));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadChecked(damaged, out _));
        StringAssert.Contains(error.Message, "does not accept the input schema saved with it");
        StringAssert.Contains(error.Message, "Input 'Features' has shape 6, but input data is of length 5");
    }

    [TestMethod]
    public void LoadChecked_OnnxGraphOfOtherClassCount_ThrowsInsteadOfScoringExtraClasses()
    {
        // Regression: ML.NET loads this and scores 4 classes for a 3-class label.
        string damaged = WithOnnxEntry("wrong-classes.zip", Graph(features: TinyModel.Features, classes: TinyModel.Classes + 1));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadChecked(damaged, out _));
        StringAssert.Contains(error.Message, "'Score' has 4 slots but 'PredictedLabel' has 3 classes");
    }

    [TestMethod]
    public void LoadChecked_OnnxEntryNotOnnx_ThrowsNamingTheEntryAndLeavesNoTemporaryCopy()
    {
        // Regression: ML.NET writes the bytes to a temporary file, ONNX Runtime rejects them, the file stays.
        string damaged = WithOnnxEntry("garbage.zip", Prefixed("not an onnx graph"u8.ToArray()));
        string temp = Directory.CreateDirectory(NewPath("temp")).FullName;
        var ml = new MLContext { TempFilePath = temp };
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ml.Model.LoadChecked(damaged, out _));
        StringAssert.Contains(error.Message, $"zip entry '{OnnxEntry}' is not an ONNX model that ONNX Runtime accepts");
        Assert.IsEmpty(Directory.GetFiles(temp));
    }

    [TestMethod]
    public void LoadChecked_OnnxEntryRemoved_ThrowsInvalidData()
    {
        string original = TinyModel.TrainAndSave(NewPath("original.zip"));
        string damaged = NewPath("removed.zip");
        File.Copy(original, damaged);
        using (var zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
            zip.GetEntry(OnnxEntry)!.Delete();
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadChecked(damaged, out _));
        StringAssert.Contains(error.Message, damaged);
    }

    /// <summary>ML.NET's wrappers, which say nothing about the cause when they end a message.</summary>
    private static readonly string[] UninformativeCauses =
    [
        "Exception has been thrown by the target of an invocation.",
        "Error during class instantiation",
    ];

    private void Report(string[][] done)
    {
        static string Kind(string outcome) => outcome.Split(':')[0];
        TestContext.WriteLine($"LoadChecked: {done.Count(l => l[2] == "ok")} loaded (all scoring like the original), "
            + $"{done.Count(l => l[2] != "ok")} threw {string.Join(", ", done.Where(l => l[2] != "ok").Select(l => Kind(l[2])).Distinct())}");
        TestContext.WriteLine("ml.Model.Load without the checks, for comparison:");
        foreach (var group in done.GroupBy(l => l[5] == "ok" ? $"loaded, scoring: {(l[6] is "same" or "different" ? l[6] : Kind(l[6]))}" : $"threw {Kind(l[5])}")
                     .OrderByDescending(g => g.Count()))
        {
            TestContext.WriteLine($"  {group.Count(),4}  {group.Key}");
        }
        TestContext.WriteLine($"  temporary files left by ml.Model.Load: {done.Sum(l => int.Parse(l[7]))}");
    }

    private static int WriteDamagedCopies(byte[] good, string folder)
    {
        int count = 0;
        void Write(string name, byte[] bytes)
        {
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
            count++;
        }

        for (int i = 0; i < Truncations; i++)
        {
            int at = (int)((long)i * (good.Length - 1) / (Truncations - 1));
            Write($"truncated-{at:D6}.zip", good[..at]);
        }

        var random = new Random(Seed);
        for (int i = 0; i < Flips; i++)
        {
            var bytes = (byte[])good.Clone();
            var places = new List<string>();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(bytes.Length);
                byte mask = (byte)random.Next(1, 256);
                bytes[at] ^= mask;
                places.Add($"{at}x{mask:X2}");
            }
            Write($"flipped-{i:D3}-{string.Join("-", places)}.zip", bytes);
        }

        // One flipped byte in the stored data of every entry, so that each part is hit at least once.
        foreach (var (entry, start, length) in ZipLayout.Entries(good))
        {
            if (length == 0)
                continue;
            var bytes = (byte[])good.Clone();
            bytes[start + length / 2] ^= 0x5A;
            Write($"entry-flipped-{Safe(entry)}.zip", bytes);
        }

        // Each entry removed in turn (the ONNX graph among them).
        foreach (var (entry, _, _) in ZipLayout.Entries(good))
            Write($"entry-removed-{Safe(entry)}.zip", Rewrite(good, zip => zip.GetEntry(entry)!.Delete()));

        // The ONNX graph replaced: other shapes, a cut graph, bytes that are not ONNX, nothing.
        byte[] onnx = Entry(good, OnnxEntry);
        Write("onnx-wrong-features.zip", ReplaceEntry(good, OnnxEntry, Graph(TinyModel.Features + 1, TinyModel.Classes)));
        Write("onnx-wrong-classes.zip", ReplaceEntry(good, OnnxEntry, Graph(TinyModel.Features, TinyModel.Classes + 1)));
        Write("onnx-fewer-features.zip", ReplaceEntry(good, OnnxEntry, Graph(TinyModel.Features - 1, TinyModel.Classes)));
        Write("onnx-cut-in-half.zip", ReplaceEntry(good, OnnxEntry, Prefixed(onnx.AsSpan(4, (onnx.Length - 4) / 2).ToArray())));
        Write("onnx-garbage.zip", ReplaceEntry(good, OnnxEntry, Prefixed(RandomBytes(random, onnx.Length - 4))));
        Write("onnx-wrong-length-prefix.zip", ReplaceEntry(good, OnnxEntry, [.. BitConverter.GetBytes(int.MaxValue), .. onnx.AsSpan(4)]));
        Write("onnx-empty.zip", ReplaceEntry(good, OnnxEntry, []));

        // Not a model at all.
        Write("empty-file.zip", []);
        Write("text-file.zip", "not a model"u8.ToArray());
        Write("random-bytes.zip", RandomBytes(random, good.Length));
        Write("empty-zip.zip", Rewrite(good, zip => { foreach (var e in zip.Entries.ToArray()) e.Delete(); }));
        return count;
    }

    private static string Safe(string entry) => entry.Replace('/', '_');

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>ML.NET stores the ONNX bytes after a 32-bit little-endian length.</summary>
    private static byte[] Prefixed(byte[] onnx)
    {
        var entry = new byte[onnx.Length + 4];
        BinaryPrimitives.WriteInt32LittleEndian(entry, onnx.Length);
        onnx.CopyTo(entry, 4);
        return entry;
    }

    /// <summary>A valid ONNX graph of the tiny model's architecture but other sizes, as MlpTransformer writes it.</summary>
    private static byte[] Graph(int features, int classes)
    {
        const int hidden = 8;
        var layers = new[]
        {
            new MlpLayer(features, hidden, new float[features * hidden], new float[hidden], Activation.Relu),
            new MlpLayer(hidden, classes, new float[hidden * classes], new float[classes], null),
        };
        var model = new MlpModelParameters(layers, NetworkTask.MulticlassClassification);
        return Prefixed(model.BuildOnnx(OnnxOutputNames.ForScoring(model.Task, "Features", "Score")));
    }

    private string WithOnnxEntry(string name, byte[] entry)
    {
        string original = TinyModel.TrainAndSave(NewPath("original.zip"));
        string path = NewPath(name);
        File.WriteAllBytes(path, ReplaceEntry(File.ReadAllBytes(original), OnnxEntry, entry));
        return path;
    }

    private string NewPath(string name)
    {
        string folder = Path.Combine(TestContext.TestRunResultsDirectory!, $"damaged-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    private static byte[] Entry(byte[] zipBytes, string name)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        using var data = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        data.CopyTo(copy);
        return copy.ToArray();
    }

    private static byte[] ReplaceEntry(byte[] zipBytes, string name, byte[] content) => Rewrite(zipBytes, zip =>
    {
        zip.GetEntry(name)!.Delete();
        using var data = zip.CreateEntry(name).Open();
        data.Write(content);
    });

    private static byte[] Rewrite(byte[] zipBytes, Action<ZipArchive> change)
    {
        using var buffer = new MemoryStream();
        buffer.Write(zipBytes);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
            change(zip);
        return buffer.ToArray();
    }

    /// <summary>Where each entry's stored (compressed) data lies in a zip file, from the local file headers.</summary>
    private static class ZipLayout
    {
        public static IEnumerable<(string Entry, int Start, int Length)> Entries(byte[] zip)
        {
            int at = 0;
            while (at + 30 <= zip.Length && BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) == 0x04034B50)
            {
                int compressed = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 18));
                int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 26));
                int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
                string name = System.Text.Encoding.UTF8.GetString(zip, at + 30, nameLength);
                int start = at + 30 + nameLength + extraLength;
                yield return (name, start, compressed);
                at = start + compressed;
            }
        }

        public static (int Start, int Length) DataOf(byte[] zip, string entry)
        {
            var (_, start, length) = Entries(zip).Single(e => e.Entry == entry);
            return (start, length);
        }
    }
}
