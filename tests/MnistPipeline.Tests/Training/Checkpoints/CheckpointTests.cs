using System.Buffers.Binary;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.Reliability;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Training.Checkpoints;

namespace MnistPipeline.Tests.Training.Checkpoints;

/// <summary>
/// Checkpoints in one process: cancellation writes one and a later Fit resumes to the weights of
/// an uninterrupted run; damaged, truncated or foreign files fail with a clear error and never
/// start afresh silently; a checkpoint of other options or data is refused with each difference
/// named; failed writes keep the previous checkpoint; the options and the fingerprint.
/// </summary>
[TestClass]
public sealed class CheckpointTests
{
    private const int Rows = 200;
    private const int BatchSize = 16;
    private const int Epochs = 3;
    private const int StepsPerEpoch = (Rows + BatchSize - 1) / BatchSize;
    private const int TotalSteps = StepsPerEpoch * Epochs;

    public TestContext TestContext { get; set; } = null!;

    private static MlpTrainer.Options Options(string? checkpoint) => new()
    {
        HiddenLayers = [16],
        Epochs = Epochs,
        BatchSize = BatchSize,
        ValidationFraction = 0, // every row trains: the step counts above count them all
        LearningRate = 0.01,
        Optimizer = NetworkOptimizer.Adam,
        Shuffle = true,
        Dropout = 0.2,
        Seed = 21,
        NumberOfThreads = 1,
        LogEveryNSteps = 1,
        CheckpointPath = checkpoint,
    };

    private static IDataView Data(MLContext ml, int rows = Rows, int seed = 1) => Blobs.Load(ml, rows, features: 6, classes: 3, seed: seed, spread: 0.6f);

    /// <summary>Fits; cancels right after step <paramref name="cancelAfterStep"/> when given.</summary>
    private static FitOutcome Fit(MLContext ml, IDataView data, MlpTrainer.Options options, long? cancelAfterStep = null, IDataView? validation = null)
        => CancellableFit.Run(ml, data, validation, options, cancelAfterStep);

    /// <summary>A checkpoint of the standard options, cancelled mid-epoch (it holds a row order).</summary>
    private static byte[] WriteCheckpoint(string path, long afterStep = StepsPerEpoch + 4)
    {
        var ml = new MLContext(1);
        var outcome = Fit(ml, Data(ml), Options(path), cancelAfterStep: afterStep);
        Assert.IsInstanceOfType<TrainingCanceledException>(outcome.Error, outcome.Error?.ToString());
        return File.ReadAllBytes(path);
    }

    [TestMethod]
    public void Fit_CancelledAtSeededStepsThenFitAgain_ResumesToWeightsAndHistoryOfUninterruptedRun()
    {
        var ml = new MLContext(1);
        var data = Data(ml);
        var reference = Fit(ml, data, Options(checkpoint: null));
        Assert.IsNull(reference.Error);

        using var folder = new TempFolder();
        string path = folder.File("fit.ckpt");
        var random = new Random(1400);
        long[] points = [.. Enumerable.Range(0, 3).Select(i => (long)random.Next(i * TotalSteps / 3, (i + 1) * TotalSteps / 3 - 1)).Append(StepsPerEpoch - 1)];
        Array.Sort(points);
        foreach (long point in points.Distinct())
        {
            var cancelled = Fit(ml, data, Options(path), cancelAfterStep: point);
            var error = cancelled.Error as TrainingCanceledException;
            Assert.IsNotNull(error, $"cancelled after step {point}: {cancelled.Error}");
            Assert.AreEqual(Path.GetFullPath(path), error.CheckpointPath);
            Assert.AreEqual(point + 1, error.Step, "the checkpoint is of the step after the last one trained");
            Assert.IsTrue(File.Exists(path));
            TestContext.WriteLine($"cancelled after step {point}: {error.Message}");
        }

        var resumed = Fit(ml, data, Options(path));
        Assert.IsNull(resumed.Error, resumed.Error?.ToString());
        Assert.AreEqual(reference.Hash, resumed.Hash, "bit-identical weights");
        Assert.AreEqual(TotalSteps - points.Max() - 1, resumed.StepsTrained, "the last Fit trains only the steps left");
        CollectionAssert.AreEqual(reference.History!.Select(WithoutTime).ToList(), resumed.History!.Select(WithoutTime).ToList(), "the same history, to the last bit");
        Assert.IsFalse(File.Exists(path), "a finished Fit removes its checkpoint");
    }

    private static EpochMetrics WithoutTime(EpochMetrics m) => m with { Elapsed = TimeSpan.Zero };

    [TestMethod]
    public void Fit_EarlyStoppingRunCancelledAndResumed_KeepsBestWeightsAndStopsAtTheSameEpoch()
    {
        var ml = new MLContext(1);
        var data = Data(ml);
        var validation = Data(ml, rows: 90, seed: 2);
        MlpTrainer.Options Early(string? path)
        {
            var o = Options(path);
            o.Epochs = 12;
            o.LearningRate = 0.2; // noisy enough that validation loss stops improving before the end
            o.EarlyStoppingPatience = 2;
            return o;
        }
        var reference = Fit(ml, data, Early(null), validation: validation);
        Assert.IsNull(reference.Error);
        TestContext.WriteLine($"reference: {reference.History!.Count} epochs of 12");

        using var folder = new TempFolder();
        string path = folder.File("early.ckpt");
        var random = new Random(1405);
        long limit = reference.History.Count * StepsPerEpoch;
        foreach (long point in new[] { random.Next(1, (int)limit / 2), random.Next((int)limit / 2, (int)limit - 1) })
            Assert.IsInstanceOfType<TrainingCanceledException>(Fit(ml, data, Early(path), point, validation).Error);
        var resumed = Fit(ml, data, Early(path), validation: validation);
        Assert.IsNull(resumed.Error, resumed.Error?.ToString());
        Assert.AreEqual(reference.Hash, resumed.Hash, "bit-identical (best) weights");
        CollectionAssert.AreEqual(reference.History.Select(WithoutTime).ToList(), resumed.History!.Select(WithoutTime).ToList());
    }

    [TestMethod]
    public void Fit_UnseededOptions_ResumesWithTheCheckpointsSeed()
    {
        // Options.Seed unset: the seed comes from the MLContext. A resumed run takes the
        // checkpoint's, so a job restarted with another context (or none seeded) still resumes.
        var data = Data(new MLContext(1));
        MlpTrainer.Options Unseeded(string? path)
        {
            var o = Options(path);
            o.Seed = null;
            return o;
        }
        var reference = Fit(new MLContext(1), data, Unseeded(null));
        using var folder = new TempFolder();
        string path = folder.File("unseeded.ckpt");
        Assert.IsInstanceOfType<TrainingCanceledException>(Fit(new MLContext(1), data, Unseeded(path), cancelAfterStep: 17).Error);
        var resumed = Fit(new MLContext(7), data, Unseeded(path));
        Assert.IsNull(resumed.Error, resumed.Error?.ToString());
        Assert.AreEqual(reference.Hash, resumed.Hash);
    }

    [TestMethod]
    public void Fit_UnseededOptionsWithRowsKeptOut_ResumesKeepingTheSameRowsOut()
    {
        // The rows kept out for validation and calibration are drawn with the seed: a resumed
        // unseeded run must keep out the rows of the run it resumes (the checkpoint's seed).
        var data = Data(new MLContext(1));
        MlpTrainer.Options Unseeded(string? path)
        {
            var o = Options(path);
            o.Seed = null;
            o.ValidationFraction = 0.1;
            return o;
        }
        var reference = Fit(new MLContext(1), data, Unseeded(null));
        using var folder = new TempFolder();
        string path = folder.File("unseeded-split.ckpt");
        Assert.IsInstanceOfType<TrainingCanceledException>(Fit(new MLContext(1), data, Unseeded(path), cancelAfterStep: 17).Error);
        var resumed = Fit(new MLContext(7), data, Unseeded(path));
        Assert.IsNull(resumed.Error, resumed.Error?.ToString());
        Assert.AreEqual(reference.Hash, resumed.Hash);
    }

    [TestMethod]
    public void Fit_CheckpointTruncatedAtSeededLengths_ThrowsInvalidDataNamingTheFileAndNeverTrains()
    {
        using var folder = new TempFolder();
        string path = folder.File("cut.ckpt");
        byte[] whole = WriteCheckpoint(path);
        var random = new Random(1406);
        var lengths = Enumerable.Range(0, 24).Select(_ => random.Next(whole.Length)).Concat([0, 7, 16, whole.Length - 1]).Distinct().Order();
        var ml = new MLContext(1);
        var data = Data(ml);
        foreach (int length in lengths)
        {
            byte[] cut = whole[..length];
            File.WriteAllBytes(path, cut);
            var outcome = Fit(ml, data, Options(path));
            var error = outcome.Error as InvalidDataException;
            Assert.IsNotNull(error, $"cut to {length} bytes: {outcome.Error?.ToString() ?? "no error"}");
            StringAssert.Contains(error.Message, $"Checkpoint file '{Path.GetFullPath(path)}'");
            Assert.IsTrue(error.Message.Contains("truncated", StringComparison.Ordinal) || error.Message.Contains("damaged", StringComparison.Ordinal),
                $"cut to {length}: {error.Message}");
            Assert.AreEqual(0, outcome.StepsTrained, $"cut to {length}: no step may run (no silent fresh start)");
            CollectionAssert.AreEqual(cut, File.ReadAllBytes(path), "the damaged file is left as it was");
            TestContext.WriteLine($"{length,7}: {error.Message}");
        }
    }

    [TestMethod]
    public void Fit_CheckpointWithAFlippedByte_ThrowsInvalidDataNamingTheDamagedPart()
    {
        using var folder = new TempFolder();
        string path = folder.File("flip.ckpt");
        byte[] whole = WriteCheckpoint(path);
        var manifest = CheckpointFile.Read(path).Manifest;
        int manifestLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(whole.AsSpan(12));
        var targets = new List<(string Part, int Offset)> { ("not a MnistPipeline checkpoint", 2), ("the manifest", 16 + manifestLength / 2) };
        long offset = 16 + manifestLength + 4;
        foreach (var entry in manifest.Entries)
        {
            targets.Add(($"entry '{entry.Name}'", (int)(offset + entry.Length / 2)));
            offset += entry.Length;
        }
        targets.Add(("the end marker", whole.Length - 3));
        CollectionAssert.IsSubsetOf(new[] { "entry 'module/layers.0.weight'", "entry 'updater/mean0'", "entry 'random/generator'", "entry 'random/global'", "entry 'loop/permutation'" },
            targets.Select(t => t.Part).ToList(), "the checkpoint holds weights, optimizer state, both generators and the row order");

        var ml = new MLContext(1);
        var data = Data(ml);
        foreach (var (part, at) in targets)
        {
            byte[] damaged = (byte[])whole.Clone();
            damaged[at] ^= 0x5A;
            File.WriteAllBytes(path, damaged);
            var outcome = Fit(ml, data, Options(path));
            var error = outcome.Error as InvalidDataException;
            Assert.IsNotNull(error, $"{part}: {outcome.Error?.ToString() ?? "no error"}");
            StringAssert.Contains(error.Message, Path.GetFullPath(path));
            StringAssert.Contains(error.Message, part);
            Assert.AreEqual(0, outcome.StepsTrained, $"{part}: no step may run");
            TestContext.WriteLine($"{part}: {error.Message}");
        }
    }

    [TestMethod]
    public void Fit_CheckpointPathHoldsAnotherFile_ThrowsAndLeavesTheFileUntouched()
    {
        using var folder = new TempFolder();
        string path = TinyModel.TrainAndSave(folder.File("model.zip"));
        byte[] before = File.ReadAllBytes(path);
        var ml = new MLContext(1);
        var outcome = Fit(ml, Data(ml), Options(path));
        var error = outcome.Error as InvalidDataException;
        Assert.IsNotNull(error, outcome.Error?.ToString());
        StringAssert.Contains(error.Message, "is not a MnistPipeline checkpoint (it starts with bytes 504B0304");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void Fit_CheckpointOfOtherOptions_ThrowsMismatchNamingEachDifference()
    {
        using var folder = new TempFolder();
        string path = folder.File("options.ckpt");
        byte[] before = WriteCheckpoint(path);
        var other = Options(path);
        other.LearningRate = 0.02;
        other.Epochs = 4;
        other.HiddenLayers = [12];
        other.NumberOfThreads = 2; // not a difference: recorded and warned about, never refused
        var ml = new MLContext(1);
        var error = Fit(ml, Data(ml), other).Error as CheckpointMismatchException;

        Assert.IsNotNull(error);
        CollectionAssert.AreEquivalent(
            new[] { new CheckpointDifference("LearningRate", "0.01", "0.02"), new CheckpointDifference("Epochs", "3", "4"), new CheckpointDifference("HiddenLayers", "[16]", "[12]") },
            error.Differences.ToArray());
        StringAssert.Contains(error.Message, "LearningRate: checkpoint 0.01, now 0.02");
        StringAssert.Contains(error.Message, Path.GetFullPath(path));
        StringAssert.Contains(error.Message, "CheckpointMismatch = StartAfresh");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "a refused checkpoint is left as it was");
        TestContext.WriteLine(error.Message);
    }

    [TestMethod]
    public void Fit_CheckpointOfOtherData_ThrowsMismatchNamingTheData()
    {
        using var folder = new TempFolder();
        string path = folder.File("data.ckpt");
        WriteCheckpoint(path);
        var ml = new MLContext(1);

        var fewerRows = Fit(ml, Data(ml, rows: 180), Options(path)).Error as CheckpointMismatchException;
        Assert.IsNotNull(fewerRows);
        CollectionAssert.AreEquivalent(new[] { "training rows", "training data" }, fewerRows.Differences.Select(d => d.Item).ToArray());
        StringAssert.Contains(fewerRows.Message, "training rows: checkpoint 200, now 180");

        var otherValues = Fit(ml, Data(ml, seed: 2), Options(path)).Error as CheckpointMismatchException;
        Assert.IsNotNull(otherValues);
        Assert.AreEqual("training data", otherValues.Differences.Single().Item, "same shape, other values: the hash tells");

        var withValidation = Fit(ml, Data(ml), Options(path), validation: Data(ml, rows: 50, seed: 3)).Error as CheckpointMismatchException;
        Assert.IsNotNull(withValidation);
        CollectionAssert.AreEquivalent(new[] { "validation rows", "validation data" }, withValidation.Differences.Select(d => d.Item).ToArray());
        TestContext.WriteLine(fewerRows.Message);
    }

    [TestMethod]
    public void Fit_MismatchWithStartAfresh_WarnsAndTrainsFromTheStart()
    {
        using var folder = new TempFolder();
        string path = folder.File("afresh.ckpt");
        WriteCheckpoint(path);
        var ml = new MLContext(1);
        var data = Data(ml);
        var changed = Options(checkpoint: null);
        changed.LearningRate = 0.02;
        var reference = Fit(ml, data, changed);

        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning)
                warnings.Add(e.RawMessage);
        };
        var afresh = Options(path);
        afresh.LearningRate = 0.02;
        afresh.CheckpointMismatch = CheckpointMismatchAction.StartAfresh;
        var outcome = Fit(ml, data, afresh);
        Assert.IsNull(outcome.Error, outcome.Error?.ToString());
        Assert.AreEqual(reference.Hash, outcome.Hash, "the weights of a run from the start");
        Assert.AreEqual(TotalSteps, outcome.StepsTrained);
        Assert.IsTrue(warnings.Any(w => w.Contains("LearningRate: checkpoint 0.01, now 0.02", StringComparison.Ordinal) && w.Contains("starts from the beginning", StringComparison.Ordinal)),
            string.Join("\n", warnings));
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public void Fit_KeepCheckpoint_KeepsItAndALaterFitReturnsTheSameModelWithoutTraining()
    {
        using var folder = new TempFolder();
        string path = folder.File("kept.ckpt");
        var ml = new MLContext(1);
        var data = Data(ml);
        var options = Options(path);
        options.KeepCheckpoint = true;
        var first = Fit(ml, data, options);
        Assert.IsNull(first.Error);
        Assert.IsTrue(File.Exists(path));

        var again = Options(path);
        again.KeepCheckpoint = true;
        var second = Fit(ml, data, again);
        Assert.AreEqual(first.Hash, second.Hash);
        Assert.AreEqual(0, second.StepsTrained);
        Assert.HasCount(Epochs, second.History!);

        var removing = Fit(ml, data, Options(path));
        Assert.AreEqual(first.Hash, removing.Hash);
        Assert.IsFalse(File.Exists(path), "without KeepCheckpoint a finished Fit removes it");
    }

    [TestMethod]
    public void Fit_CheckpointWriteFails_ThrowsAndThePreviousCheckpointStaysIntact()
    {
        using var folder = new TempFolder();
        string path = folder.File("fail.ckpt");
        byte[] before = WriteCheckpoint(path, afterStep: 3);
        try
        {
            TrainingCheckpoints.WrapWriteStreamForTests = stream => new FailingStream(stream, failAfter: 1000);
            var ml = new MLContext(1);
            var outcome = Fit(ml, Data(ml), Options(path));
            Assert.IsInstanceOfType<IOException>(outcome.Error, outcome.Error?.ToString());
        }
        finally
        {
            TrainingCheckpoints.WrapWriteStreamForTests = null;
        }
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the previous checkpoint is byte-identical");
        Assert.HasCount(1, Directory.GetFileSystemEntries(folder.Path), "no temporary file is left");
    }

    [TestMethod]
    public void Fit_ResumedWithAnotherThreadCount_WarnsThatItIsNotBitIdenticalAndFinishes()
    {
        using var folder = new TempFolder();
        string path = folder.File("threads.ckpt");
        WriteCheckpoint(path);
        var ml = new MLContext(1);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning)
                warnings.Add(e.RawMessage);
        };
        var options = Options(path);
        options.NumberOfThreads = 2;
        var outcome = Fit(ml, Data(ml), options);
        Assert.IsNull(outcome.Error, outcome.Error?.ToString());
        Assert.IsTrue(warnings.Any(w => w.Contains("1 thread(s)", StringComparison.Ordinal) && w.Contains("not be bit-identical", StringComparison.Ordinal)), string.Join("\n", warnings));
    }

    [TestMethod]
    public void Options_CheckpointSettingsOutOfRange_ThrowNamingTheOption()
    {
        var ml = new MLContext(1);
        using var folder = new TempFolder();
        var cases = new (Action<MlpTrainer.Options> Change, string Option)[]
        {
            (o => o.CheckpointEveryNSteps = 10, nameof(NetworkTrainerOptions.CheckpointEveryNSteps)),
            (o => { o.CheckpointPath = folder.File("c.ckpt"); o.CheckpointEveryNSteps = 0; }, nameof(NetworkTrainerOptions.CheckpointEveryNSteps)),
            (o => o.CheckpointPath = " ", nameof(NetworkTrainerOptions.CheckpointPath)),
            (o => o.CheckpointPath = folder.Path, nameof(NetworkTrainerOptions.CheckpointPath)),
            (o => { o.CheckpointPath = folder.File("c.ckpt"); o.CheckpointMismatch = (CheckpointMismatchAction)7; }, nameof(NetworkTrainerOptions.CheckpointMismatch)),
        };
        foreach (var (change, option) in cases)
        {
            var options = Options(checkpoint: null);
            change(options);
            var error = Assert.Throws<ArgumentException>(() => new MlpTrainer(ml, options));
            Assert.AreEqual(option, error.ParamName, error.Message);
        }
    }

    [TestMethod]
    public void Fingerprint_HoldsEveryOptionButTheDocumentedExclusions()
    {
        // Options added later (by any trainer) are in the fingerprint unless excluded on purpose.
        NetworkTrainerOptions[] all =
        [
            new MlpTrainer.Options(), new MlpBinaryTrainer.Options(), new MlpRegressionTrainer.Options(),
            new ConvNetTrainer.Options(), new ConvNetBinaryTrainer.Options(), new ConvNetRegressionTrainer.Options(),
        ];
        foreach (var options in all)
        {
            var names = CheckpointFingerprint.OptionItems(options).Select(i => i.Name).ToHashSet();
            var expected = options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => p.Name)
                .Where(n => !CheckpointFingerprint.IsExcluded(n))
                .ToArray();
            CollectionAssert.IsSubsetOf(expected, names.ToList(), options.GetType().FullName);
            string[] network = options is ConvNetTrainerOptionsBase ? ["Layers", "ImageShape"] : ["HiddenLayers", "Dropout"];
            foreach (string trajectory in new[] { "Optimizer", "LearningRate", "Momentum", "WeightDecay", "LearningRateSchedule", "BatchSize", "Epochs", "Shuffle", "Activation", "WeightInitialization", "EarlyStoppingPatience" }.Concat(network))
                Assert.Contains(trajectory, names, $"{options.GetType().FullName}: {trajectory}");
            if (options.GetType().GetProperty("Loss") is not null)
                Assert.Contains("Loss", names, $"{options.GetType().FullName}: Loss");
            foreach (string excluded in new[] { "NumberOfThreads", "Device", "LogEveryNSteps", "ProgressChanged", "CancellationToken", "CheckpointPath", "FeatureColumnName", "ScoreColumnName" })
                Assert.DoesNotContain(excluded, names, $"{options.GetType().FullName}: {excluded}");
        }
    }

    /// <summary>Writes through until <c>failAfter</c> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, long failAfter) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfter)
                throw new IOException("No space left on device (simulated).");
            inner.Write(buffer);
            _written += buffer.Length;
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
