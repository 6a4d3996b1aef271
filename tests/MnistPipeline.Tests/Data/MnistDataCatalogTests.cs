using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Data;

[TestClass]
public sealed class MnistDataCatalogTests
{
    [TestMethod]
    public void LoadMnist_SyntheticFiles_HasKeyLabelAndByteImageFromTheHeader()
    {
        using var data = new SyntheticMnist(count: 12, rows: 5, columns: 3);

        var view = data.Load(new MLContext(seed: 1));

        Assert.HasCount(2, view.Schema);
        var label = view.Schema["Label"];
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), label.Type);
        Assert.IsTrue(label.HasKeyValues(NumberDataViewType.UInt32));
        VBuffer<uint> keyValues = default;
        label.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => (uint)i).ToArray(), keyValues.DenseValues().ToArray());
        var image = (VectorDataViewType)view.Schema["Image"].Type;
        Assert.AreEqual(NumberDataViewType.Byte, image.ItemType);
        CollectionAssert.AreEqual(new[] { 5, 3 }, image.Dimensions.ToArray());
        Assert.AreEqual(12L, view.GetRowCount());
    }

    [TestMethod]
    public void LoadMnist_SyntheticFiles_GivesLabelPlusOneAsKeyAndTheImageBytes()
    {
        using var data = new SyntheticMnist(count: 25, rows: 4, columns: 6);

        var view = data.Load(new MLContext(seed: 1));

        var keys = view.GetColumn<uint>("Label").ToArray();
        var images = view.GetColumn<VBuffer<byte>>("Image").Select(v => v.DenseValues().ToArray()).ToList();
        for (int i = 0; i < data.Count; i++)
        {
            Assert.AreEqual(data.Label(i) + 1u, keys[i], $"key of row {i}");
            CollectionAssert.AreEqual(data.Pixels(i), images[i], $"image {i}");
        }
    }

    [TestMethod]
    public void LoadMnist_MapKeyToValue_GivesBackTheDigit()
    {
        using var data = new SyntheticMnist(count: 20);
        var ml = new MLContext(seed: 1);
        var view = data.Load(ml);

        var digits = ml.Transforms.Conversion.MapKeyToValue("Digit", "Label").Fit(view).Transform(view);

        Assert.AreEqual(NumberDataViewType.UInt32, digits.Schema["Digit"].Type);
        CollectionAssert.AreEqual(Enumerable.Range(0, 20).Select(i => (uint)(i % 10)).ToArray(), digits.GetColumn<uint>("Digit").ToArray());
    }

    [TestMethod]
    public void LoadMnist_GzipFiles_GiveTheSameRowsAsPlainFiles()
    {
        using var data = new SyntheticMnist(count: 30, rows: 7, columns: 5);
        using var folder = new TempFolder();
        string images = folder.Write("images.gz", IdxBytes.Gzip(data.ImagesBytes));
        string labels = folder.Write("labels.gz", IdxBytes.Gzip(data.LabelsBytes));
        var ml = new MLContext(seed: 1);

        var plain = data.Load(ml);
        var gzip = ml.Data.LoadMnist(images, labels);

        CollectionAssert.AreEqual(plain.GetColumn<uint>("Label").ToArray(), gzip.GetColumn<uint>("Label").ToArray());
        var plainImages = plain.GetColumn<VBuffer<byte>>("Image").Select(v => v.DenseValues().ToArray()).ToList();
        var gzipImages = gzip.GetColumn<VBuffer<byte>>("Image").Select(v => v.DenseValues().ToArray()).ToList();
        for (int i = 0; i < data.Count; i++)
            CollectionAssert.AreEqual(plainImages[i], gzipImages[i], $"image {i}");
    }

    [TestMethod]
    public void LoadMnist_ImageCountDiffersFromLabelCount_NamesBothFiles()
    {
        using var folder = new TempFolder();
        string images = folder.Write("images", IdxBytes.Images(9, 2, 2));
        string labels = folder.Write("labels", IdxBytes.CyclicLabels(10));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => new MLContext().Data.LoadMnist(images, labels));

        IdxReaderTests.AssertNames(error, images, "dimension[0] (count)", $"10 images, the label count of '{labels}'", "9 images");
    }

    [TestMethod]
    public void LoadMnist_LabelNotBelowClassCount_NamesTheLabelAndItsValue()
    {
        using var folder = new TempFolder();
        string images = folder.Write("images", IdxBytes.Images(4, 2, 2));
        string labels = folder.Write("labels", IdxBytes.Labels(3, 9, 10, 1));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => new MLContext().Data.LoadMnist(images, labels));

        IdxReaderTests.AssertNames(error, labels, "label[2]", "< 10 (the class count)", "10");
    }

    [TestMethod]
    public void LoadMnist_MoreClassesInOptions_AcceptsLargerLabels()
    {
        using var folder = new TempFolder();
        string images = folder.Write("images", IdxBytes.Images(3, 2, 2));
        string labels = folder.Write("labels", IdxBytes.Labels(0, 25, 11));

        var view = new MLContext().Data.LoadMnist(images, labels, new MnistLoaderOptions { ClassCount = 26, LabelColumnName = "Letter", ImageColumnName = "Pixels" });

        Assert.AreEqual(new KeyDataViewType(typeof(uint), 26), view.Schema["Letter"].Type);
        CollectionAssert.AreEqual(new uint[] { 1, 26, 12 }, view.GetColumn<uint>("Letter").ToArray());
        Assert.IsNotNull(view.Schema.GetColumnOrNull("Pixels"));
    }

    [TestMethod]
    public void LoadMnist_MissingFile_ThrowsFileNotFound()
    {
        using var data = new SyntheticMnist();

        var error = Assert.ThrowsExactly<FileNotFoundException>(() => new MLContext().Data.LoadMnist(data.ImagesPath + ".missing", data.LabelsPath));

        StringAssert.Contains(error.Message, data.ImagesPath + ".missing");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(257)]
    public void LoadMnist_ClassCountOutOfRange_ThrowsNamingTheOption(int classCount)
    {
        using var data = new SyntheticMnist();

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => new MLContext().Data.LoadMnist(data.ImagesPath, data.LabelsPath, new MnistLoaderOptions { ClassCount = classCount }));

        Assert.AreEqual(nameof(MnistLoaderOptions.ClassCount), error.ParamName);
    }

    [TestMethod]
    public void LoadMnist_SameNameForBothColumns_Throws()
    {
        using var data = new SyntheticMnist();

        var error = Assert.ThrowsExactly<ArgumentException>(
            () => new MLContext().Data.LoadMnist(data.ImagesPath, data.LabelsPath, new MnistLoaderOptions { ImageColumnName = "Label" }));

        StringAssert.Contains(error.Message, "must differ");
    }

    [TestMethod]
    public void LoadMnist_BadImagesHeader_FailsAtLoadTime()
    {
        using var folder = new TempFolder();
        var bytes = IdxBytes.Images(4, 2, 2);
        bytes[2] = 0x0D;
        string images = folder.Write("images", bytes);
        string labels = folder.Write("labels", IdxBytes.CyclicLabels(4));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => new MLContext().Data.LoadMnist(images, labels));

        IdxReaderTests.AssertNames(error, images, "type code (byte 2)", "0x08 (unsigned byte)", "0x0D (32-bit float)");
    }
}
