using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Transforms;

[TestClass]
public sealed class FlattenImageEstimatorTests
{
    [TestMethod]
    public void FlattenImage_ScaledImages_KeepsTheEstimatorContract()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);
        var input = data.Load(ml);
        var scaled = ml.Transforms.ScalePixels("Pixels", "Image").Fit(input).Transform(input);
        var invalid = ScalePixelsEstimatorTests.VariableSizeImages(ml);

        EstimatorContract.Check(ml, ml.Transforms.FlattenImage("Features", "Pixels"), scaled,
            ml.Transforms.CopyColumns("Pixels", "Image").Fit(invalid).Transform(invalid));
    }

    [TestMethod]
    public void FlattenImage_ByteImages_KeepsTheEstimatorContract()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);

        EstimatorContract.Check(ml, ml.Transforms.FlattenImage("Flat", "Image"), data.Load(ml), ScalePixelsEstimatorTests.VariableSizeImages(ml));
    }

    [TestMethod]
    public void FlattenImage_ScalePixelsThenFlatten_GivesSingle784RowMajor()
    {
        using var data = new SyntheticMnist(count: 5, rows: 28, columns: 28);
        var ml = new MLContext(seed: 1);
        var input = data.Load(ml);
        var pipeline = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels"));

        var output = pipeline.Fit(input).Transform(input);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 784), output.Schema["Features"].Type);
        var features = output.GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray()).ToList();
        for (int i = 0; i < data.Count; i++)
            CollectionAssert.AreEqual(data.Pixels(i).Select(b => b / 255f).ToArray(), features[i], $"image {i}");
    }

    [TestMethod]
    [DataRow(DataKind.Byte)]
    [DataRow(DataKind.SByte)]
    [DataRow(DataKind.Int16)]
    [DataRow(DataKind.UInt16)]
    [DataRow(DataKind.Int32)]
    [DataRow(DataKind.UInt32)]
    [DataRow(DataKind.Int64)]
    [DataRow(DataKind.UInt64)]
    [DataRow(DataKind.Single)]
    [DataRow(DataKind.Double)]
    [DataRow(DataKind.Boolean)]
    [DataRow(DataKind.String)]
    public void FlattenImage_EachSupportedItemType_KeepsTypeAndValues(DataKind kind)
    {
        var ml = new MLContext(seed: 1);
        var input = TypedImages(ml, kind, out var itemType);

        var output = ml.Transforms.FlattenImage("Flat", "Image").Fit(input).Transform(input);

        Assert.AreEqual(new VectorDataViewType(itemType, 6), output.Schema["Flat"].Type);
        var expected = EstimatorContract.ReadRows(input, ["Image"], 10);
        var actual = EstimatorContract.ReadRows(output, ["Flat"], 10);
        for (int r = 0; r < expected.Count; r++)
            CollectionAssert.AreEqual(expected[r][0], actual[r][0], $"row {r}");
    }

    [TestMethod]
    public void FlattenImage_ByteImage_SavedAndReloaded_GivesSameValues()
    {
        using var data = new SyntheticMnist(count: 8, rows: 5, columns: 7);
        var ml = new MLContext(seed: 1);
        var input = data.Load(ml);
        var model = ml.Transforms.FlattenImage("Flat", "Image").Fit(input);
        using var saved = new MemoryStream();
        ml.Model.Save(model, input.Schema, saved);
        saved.Position = 0;

        var reloaded = new MLContext().Model.Load(saved, out _).Transform(input);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Byte, 35), reloaded.Schema["Flat"].Type);
        var flat = reloaded.GetColumn<VBuffer<byte>>("Flat").Select(v => v.DenseValues().ToArray()).ToList();
        for (int i = 0; i < data.Count; i++)
            CollectionAssert.AreEqual(data.Pixels(i), flat[i], $"image {i}");
    }

    [TestMethod]
    public void Fit_KeyColumn_ThrowsNamingColumnExpectedAndFoundType()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.FlattenImage("Flat", "Label").Fit(data.Load(ml)));

        StringAssert.Contains(error.Message, "input column 'Label'");
        StringAssert.Contains(error.Message, "expected a known-size vector of Single, Double");
        StringAssert.Contains(error.Message, "got Key<UInt32, 0-9>");
    }

    [TestMethod]
    public void GetOutputSchema_ScalarColumn_ThrowsNamingColumnExpectedAndFoundType()
    {
        var ml = new MLContext(seed: 1);
        var input = ml.Data.LoadFromEnumerable([new ScalarRow { Image = 1f }]);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => ml.Transforms.FlattenImage("Flat", "Image").GetOutputSchema(EstimatorContract.ShapeOf(input.Schema)));

        StringAssert.Contains(error.Message, "input column 'Image'");
        StringAssert.Contains(error.Message, "expected a known-size vector");
        StringAssert.Contains(error.Message, "got Single");
    }

    private static IDataView TypedImages(MLContext ml, DataKind kind, out PrimitiveDataViewType itemType)
    {
        var rows = Enumerable.Range(0, 3).Select(i => new DoubleRow { Image = Enumerable.Range(0, 6).Select(j => (double)(i * 10 + j)).ToArray() });
        var schema = SchemaDefinition.Create(typeof(DoubleRow));
        schema[nameof(DoubleRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Double, 2, 3);
        var doubles = ml.Data.LoadFromEnumerable(rows, schema);
        if (kind == DataKind.Double)
        {
            itemType = NumberDataViewType.Double;
            return doubles;
        }
        // ML.NET converts Text to every kind (doubles only to floating-point and Boolean).
        IEstimator<ITransformer> via = kind is DataKind.Boolean or DataKind.String or DataKind.Single
            ? ml.Transforms.Conversion.ConvertType("Image", "Image", kind)
            : ml.Transforms.Conversion.ConvertType("Image", "Image", DataKind.String).Append(ml.Transforms.Conversion.ConvertType("Image", "Image", kind));
        var converted = via.Fit(doubles).Transform(doubles);
        var type = (VectorDataViewType)converted.Schema["Image"].Type;
        Assert.AreEqual(2, type.Dimensions.Length, "test data must be two-dimensional");
        itemType = type.ItemType;
        return converted;
    }

    internal sealed class DoubleRow
    {
        public double[] Image { get; set; } = [];
    }

    internal sealed class ScalarRow
    {
        public float Image { get; set; }
    }
}
