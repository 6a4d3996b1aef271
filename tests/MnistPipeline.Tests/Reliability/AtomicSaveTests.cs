using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// A save that fails halfway must not cost the model that was there before: SaveAtomically writes
/// a temporary file in the same folder and renames it. Each fault below is injected while an
/// older model sits at the target path, which must stay byte-identical and loadable, with no
/// temporary file left behind.
/// </summary>
[TestClass]
public sealed class AtomicSaveTests
{
    private const int StreamFaultOffsets = 25;
    private const int TailFaultOffsets = 40;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void SaveAtomically_StreamFailsAfterNBytes_PreviousModelByteIdenticalAndLoads()
    {
        var (ml, model, data) = TrainNewerModel();
        using var _ = (IDisposable)model;
        string folder = NewFolder();
        string path = Path.Combine(folder, "model.zip");
        byte[] previous = File.ReadAllBytes(TinyModel.TrainAndSave(path, seed: 2));
        float[] previousScores = ScoresOf(path);

        // How many bytes a complete save writes (ML.NET's zip writer seeks back and rewrites headers).
        var measure = new FaultAfterStream(new MemoryStream(), long.MaxValue);
        ml.Model.Save(model, data.Schema, measure);
        long total = measure.Written;
        Assert.IsGreaterThan(1000, total);

        // Spread over the file, plus every one of the last bytes: ML.NET's writer swallows errors
        // raised while it closes the zip, so those faults arrive as a silently truncated file.
        var offsets = Enumerable.Range(0, StreamFaultOffsets).Select(i => i * (total - 1) / (StreamFaultOffsets - 1))
            .Concat(Enumerable.Range(1, TailFaultOffsets).Select(i => total - i)).Distinct().Order().ToArray();
        int reported = 0;
        foreach (long faultAt in offsets)
        {
            // The public SaveAtomically's code path, with the fault injected under ML.NET's writer.
            var error = Assert.Throws<IOException>(() => ModelFileExtensions.SaveAtomically(ml.Model, model, data.Schema, path,
                stream => new FaultAfterStream(stream, faultAt)), $"fault after {faultAt} bytes");
            if (error.ToString().Contains(FaultAfterStream.Message, StringComparison.Ordinal))
                reported++;
            else
                StringAssert.Contains(error.Message, "the file written is not a complete model", $"fault after {faultAt} bytes");
            AssertPreviousModelIntact(folder, path, previous, previousScores, $"fault after {faultAt:N0} of {total:N0} bytes");
        }
        TestContext.WriteLine($"{offsets.Length} stream faults injected at 0..{total - 1:N0} of {total:N0} bytes; previous model byte-identical each time; "
            + $"{reported} reported by ML.NET's writer, {offsets.Length - reported} swallowed by it and caught by the check of the written file");

        ml.Model.SaveAtomically(model, data.Schema, path);
        CollectionAssert.AreNotEqual(previous, File.ReadAllBytes(path), "without a fault the newer model replaces the old one");
    }

    [TestMethod]
    public void SaveAtomically_TransformerThrowsMidSave_PreviousModelByteIdentical()
    {
        var (ml, model, data) = TrainNewerModel();
        using var _ = (IDisposable)model;
        string folder = NewFolder();
        string path = Path.Combine(folder, "model.zip");
        byte[] previous = File.ReadAllBytes(TinyModel.TrainAndSave(path, seed: 2));
        float[] previousScores = ScoresOf(path);

        // Through the public API: the model writes all its entries, then fails before ML.NET
        // writes the schema and closes the zip.
        var failing = new FailsAfterSaving(model);
        var error = Assert.ThrowsExactly<IOException>(() => ml.Model.SaveAtomically(failing, data.Schema, path));
        StringAssert.Contains(error.Message, FailsAfterSaving.Message);
        Assert.IsTrue(failing.Saved, "the fault came after the model had written its entries");
        AssertPreviousModelIntact(folder, path, previous, previousScores, "transformer fault");
    }

    [TestMethod]
    public void SaveAtomically_ReadOnlyFolder_ThrowsAndPreviousModelByteIdentical()
    {
        var (ml, model, data) = TrainNewerModel();
        using var _ = (IDisposable)model;
        string folder = NewFolder();
        string path = Path.Combine(folder, "model.zip");
        byte[] previous = File.ReadAllBytes(TinyModel.TrainAndSave(path, seed: 2));
        float[] previousScores = ScoresOf(path);

        using (var readOnly = ReadOnlyFolder.Make(folder))
        {
            Assert.IsFalse(CanCreateFileIn(folder), $"the folder is read-only ({readOnly.How})");
            var error = Assert.Throws<Exception>(() => ml.Model.SaveAtomically(model, data.Schema, path));
            Assert.IsTrue(error is UnauthorizedAccessException or IOException, $"{readOnly.How}: {error}");
            TestContext.WriteLine($"read-only folder ({readOnly.How}): {error.GetType().Name}: {error.Message}");
            CollectionAssert.AreEqual(previous, File.ReadAllBytes(path));
        }
        AssertPreviousModelIntact(folder, path, previous, previousScores, "read-only folder");
        ml.Model.SaveAtomically(model, data.Schema, path);
        CollectionAssert.AreNotEqual(previous, File.ReadAllBytes(path), "writable again: the save goes through");
    }

    [TestMethod]
    public void SaveAtomically_TargetFileCannotBeReplaced_ThrowsAndNoTemporaryLeft()
    {
        var (ml, model, data) = TrainNewerModel();
        using var _ = (IDisposable)model;
        string folder = NewFolder();
        string path = Path.Combine(folder, "model.zip");
        byte[] previous = File.ReadAllBytes(TinyModel.TrainAndSave(path, seed: 2));
        float[] previousScores = ScoresOf(path);

        // The temporary file is written in full; the rename over the target fails.
        using (var immutable = ImmutableFile.Make(path))
        {
            var error = Assert.Throws<Exception>(() => ml.Model.SaveAtomically(model, data.Schema, path));
            Assert.IsTrue(error is UnauthorizedAccessException or IOException, $"{immutable.How}: {error}");
            TestContext.WriteLine($"target that cannot be replaced ({immutable.How}): {error.GetType().Name}: {error.Message}");
            CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(folder), "the temporary file was removed");
        }
        AssertPreviousModelIntact(folder, path, previous, previousScores, "target cannot be replaced");
    }

    [TestMethod]
    public void SaveAtomically_FolderMissing_ThrowsDirectoryNotFoundAndCreatesNothing()
    {
        var (ml, model, data) = TrainNewerModel();
        using var _ = (IDisposable)model;
        string parent = NewFolder();
        string path = Path.Combine(parent, "absent", "model.zip");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => ml.Model.SaveAtomically(model, data.Schema, path));
        Assert.IsEmpty(Directory.GetFileSystemEntries(parent));
    }

    [TestMethod]
    public void SaveAtomically_WritersAndReaderAtOnce_ReaderAlwaysLoadsACompleteModel()
    {
        string folder = NewFolder();
        string path = Path.Combine(folder, "model.zip");
        string first = TinyModel.TrainAndSave(Path.Combine(folder, "first.bin"), seed: 2);
        string second = TinyModel.TrainAndSave(Path.Combine(folder, "second.bin"), seed: 3);
        byte[][] versions = [File.ReadAllBytes(first), File.ReadAllBytes(second)];
        File.Copy(first, path);

        // Two writers replace the model over and over while a reader loads it: the reader sees
        // one complete version or the other, never a mix or a partial file.
        const int Loads = 25;
        using var stop = new CancellationTokenSource();
        int saves = 0;
        var writers = versions.Select(bytes => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                ModelFileExtensions.SaveAtomically(path, stream => stream.Write(bytes));
                Interlocked.Increment(ref saves);
            }
        })).ToArray();
        try
        {
            var ml = new MLContext();
            for (int i = 0; i < Loads; i++)
            {
                byte[] seen = File.ReadAllBytes(path);
                Assert.IsTrue(versions.Any(v => v.AsSpan().SequenceEqual(seen)), $"read {i}: a complete version");
                var model = ml.Model.LoadChecked(path, out _);
                (model as IDisposable)?.Dispose();
            }
        }
        finally
        {
            stop.Cancel();
            Assert.IsTrue(Task.WaitAll(writers, TimeSpan.FromMinutes(2)), "writers stop");
        }
        TestContext.WriteLine($"{saves} atomic saves by 2 writers while a reader read and loaded the model {Loads} times");
        Assert.IsGreaterThan(Loads, saves, "the writers were replacing the file while it was read");
        Assert.HasCount(3, Directory.GetFiles(folder), "model.zip, first.bin, second.bin: no temporary file left");
    }

    private (MLContext Ml, ITransformer Model, IDataView Data) TrainNewerModel()
    {
        var ml = new MLContext(1);
        var (data, trainer) = TinyModel.Prepare(ml, seed: 1);
        return (ml, trainer.Fit(data), data);
    }

    private static float[] ScoresOf(string path)
    {
        var ml = new MLContext();
        var model = ml.Model.LoadChecked(path, out _);
        try
        {
            return TinyModel.ScoreOneRow(ml, model);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    private static void AssertPreviousModelIntact(string folder, string path, byte[] previous, float[] previousScores, string fault)
    {
        CollectionAssert.AreEqual(previous, File.ReadAllBytes(path), $"{fault}: the previous model is byte-identical");
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(folder), $"{fault}: no temporary file left");
        CollectionAssert.AreEqual(previousScores, ScoresOf(path), $"{fault}: the previous model still loads and scores");
    }

    private static bool CanCreateFileIn(string folder)
    {
        string probe = Path.Combine(folder, $".probe-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }

    private string NewFolder()
    {
        string folder = Path.Combine(TestContext.TestRunResultsDirectory!, $"atomic-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Passes writes through until <c>limit</c> bytes have been written, then throws (a disk that fills up, a cable pulled).</summary>
    private sealed class FaultAfterStream(Stream inner, long limit) : Stream
    {
        public const string Message = "injected fault";

        public long Written { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = limit - Written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)room]);
                Written += room;
                throw new IOException($"{Message} after {limit:N0} bytes");
            }
            inner.Write(buffer);
            Written += buffer.Length;
        }

        public override void WriteByte(byte value) => Write([value]);
        public override void Flush() => inner.Flush();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A model whose Save writes the real entries, then fails (a bug or a fault in a custom transformer).</summary>
    private sealed class FailsAfterSaving(ITransformer inner) : ITransformer
    {
        public const string Message = "transformer failed while saving";

        public bool Saved { get; private set; }

        public bool IsRowToRowMapper => inner.IsRowToRowMapper;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inner.GetOutputSchema(inputSchema);
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => inner.GetRowToRowMapper(inputSchema);
        public IDataView Transform(IDataView input) => inner.Transform(input);

        void ICanSaveModel.Save(ModelSaveContext ctx)
        {
            inner.Save(ctx);
            Saved = true;
            throw new IOException(Message);
        }
    }

    /// <summary>
    /// A folder in which no file can be created. The tests run as root here and in CI, and root
    /// ignores permission bits, so for root the folder gets the immutable attribute (chattr +i,
    /// which binds root too); other users get mode 0555.
    /// </summary>
    private sealed class ReadOnlyFolder : IDisposable
    {
        private readonly string _folder;
        private readonly UnixFileMode? _previousMode;

        private ReadOnlyFolder(string folder, string how, UnixFileMode? previousMode)
        {
            _folder = folder;
            How = how;
            _previousMode = previousMode;
        }

        public string How { get; }

        public static ReadOnlyFolder Make(string folder)
        {
            if (Environment.UserName != "root" && !OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(folder);
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead
                    | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                return new ReadOnlyFolder(folder, "mode 0555", mode);
            }
            Chattr.Set(folder, immutable: true);
            return new ReadOnlyFolder(folder, "chattr +i on the folder", null);
        }

        public void Dispose()
        {
            if (_previousMode is { } mode && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(_folder, mode);
            else
                Chattr.Set(_folder, immutable: false);
        }
    }

    /// <summary>A file that cannot be replaced or removed: chattr +i (root), or a read-only parent for other users is not the same fault, so chattr is required.</summary>
    private sealed class ImmutableFile : IDisposable
    {
        private readonly string _path;

        private ImmutableFile(string path) => _path = path;

        public string How => "chattr +i on the target file";

        public static ImmutableFile Make(string path)
        {
            Chattr.Set(path, immutable: true);
            return new ImmutableFile(path);
        }

        public void Dispose() => Chattr.Set(_path, immutable: false);
    }

    private static class Chattr
    {
        public static void Set(string path, bool immutable)
        {
            var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(immutable ? "+i" : "-i");
            start.ArgumentList.Add(path);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Assert.Inconclusive($"chattr is not available ({e.Message}): this fault needs the immutable attribute, the only read-only marker root obeys.");
                return;
            }
            using (process)
            {
                string error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    Assert.Inconclusive($"chattr {(immutable ? "+i" : "-i")} failed ({error.Trim()}): the file system or the user's capabilities do not allow the immutable attribute.");
            }
        }
    }
}
