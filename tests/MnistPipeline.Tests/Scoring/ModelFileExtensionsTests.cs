using Microsoft.ML;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Scoring;

[TestClass]
public sealed class ModelFileExtensionsTests
{
    public TestContext TestContext { get; set; } = null!;

    private string NewFolder()
    {
        string folder = Path.Combine(TestContext.TestRunResultsDirectory!, $"models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static MlpTransformer Train(MLContext ml, IDataView data) =>
        new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [4], Epochs = 1, Seed = 1, NumberOfThreads = 1 }).Fit(data);

    [TestMethod]
    public void SaveAtomically_NewFile_LoadsBack()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 40);
        using var model = Train(ml, data);
        string path = Path.Combine(NewFolder(), "model.zip");
        ml.Model.SaveAtomically(model, data.Schema, path);
        var loaded = ml.Model.LoadChecked(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull("Features"));
        (loaded as IDisposable)?.Dispose();
        Assert.HasCount(1, Directory.GetFiles(Path.GetDirectoryName(path)!), "no temporary file left");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(5000)]
    public void SaveAtomically_WriterFailsAfterNBytes_PreviousFileUntouchedAndNoTemporaryLeft(int bytesBeforeFault)
    {
        string folder = NewFolder();
        string path = Path.Combine(folder, "model.zip");
        byte[] previous = [1, 2, 3, 4, 5];
        File.WriteAllBytes(path, previous);

        var error = Assert.Throws<IOException>(() => ModelFileExtensions.SaveAtomically(path, stream =>
        {
            stream.Write(new byte[bytesBeforeFault]);
            throw new IOException("disk full (simulated)");
        }));
        StringAssert.Contains(error.Message, "simulated");
        CollectionAssert.AreEqual(previous, File.ReadAllBytes(path));
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(folder));
    }

    [TestMethod]
    public void SaveAtomically_ModelThatFailsToSave_PreviousModelStillLoads()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 40);
        using var model = Train(ml, data);
        string path = Path.Combine(NewFolder(), "model.zip");
        ml.Model.SaveAtomically(model, data.Schema, path);
        byte[] before = File.ReadAllBytes(path);

        model.Dispose(); // a disposed transformer refuses to save, midway through ML.NET's writer
        Assert.Throws<ObjectDisposedException>(() => ml.Model.SaveAtomically(model, data.Schema, path));

        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
        (ml.Model.LoadChecked(path, out _) as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void LoadChecked_NotAModel_ThrowsInvalidDataNamingTheFile()
    {
        string path = Path.Combine(NewFolder(), "notes.zip");
        File.WriteAllText(path, "these are not the weights you are looking for");
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new MLContext().Model.LoadChecked(path, out _));
        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, "is not a readable ML.NET model");
    }

    [TestMethod]
    public void LoadChecked_MissingFile_ThrowsFileNotFound()
    {
        string path = Path.Combine(NewFolder(), "absent.zip");
        var error = Assert.ThrowsExactly<FileNotFoundException>(() => new MLContext().Model.LoadChecked(path, out _));
        Assert.AreEqual(path, error.FileName);
    }
}
