using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Transforms;

[TestClass]
public sealed class ScalePixelsEstimatorTests
{
    [TestMethod]
    public void ScalePixels_ByteImages_KeepsTheEstimatorContract()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);

        EstimatorContract.Check(ml, ml.Transforms.ScalePixels("Pixels", "Image"), data.Load(ml), VariableSizeImages(ml));
    }

    [TestMethod]
    public void ScalePixels_ByteImages_AreExactlyXOver255WithTheSameDims()
    {
        // Every byte value 0..255 occurs: 64 images of 2 x 2.
        using var data = new SyntheticMnist(count: 64, rows: 2, columns: 2, pixel: (i, r, c) => (byte)(i * 4 + r * 2 + c));
        var ml = new MLContext(seed: 1);
        var input = data.Load(ml);

        var output = ml.Transforms.ScalePixels("Pixels", "Image").Fit(input).Transform(input);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2, 2), output.Schema["Pixels"].Type);
        var rows = output.GetColumn<VBuffer<float>>("Pixels").Select(v => v.DenseValues().ToArray()).ToList();
        for (int i = 0; i < data.Count; i++)
            CollectionAssert.AreEqual(data.Pixels(i).Select(b => b / 255f).ToArray(), rows[i], $"image {i}");
        Assert.AreEqual(1f, rows.SelectMany(r => r).Max());
    }

    [TestMethod]
    public void ScalePixels_SingleInput_DividesBy255()
    {
        var ml = new MLContext(seed: 1);
        float[] values = [0f, 1f, 127.5f, 255f, 510f, -25.5f];
        var input = FloatImages(ml, values);

        var output = ml.Transforms.ScalePixels("Scaled", "Image").Fit(input).Transform(input);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2, 3), output.Schema["Scaled"].Type);
        var scaled = output.GetColumn<VBuffer<float>>("Scaled").First().DenseValues().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.AreEqual(values[i] / 255f, scaled[i], 1e-7f, $"slot {i}");
    }

    [TestMethod]
    public void ScalePixels_SameOutputAndInputName_ReplacesTheColumn()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);
        var input = data.Load(ml);

        var output = ml.Transforms.ScalePixels("Image").Fit(input).Transform(input);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, data.Rows, data.Columns), output.Schema["Image"].Type);
    }

    [TestMethod]
    public void Fit_KeyColumn_ThrowsNamingColumnExpectedAndFoundType()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ScalePixels("Pixels", "Label").Fit(data.Load(ml)));

        StringAssert.Contains(error.Message, "input column 'Label'");
        StringAssert.Contains(error.Message, "expected a known-size vector of Byte or Single");
        StringAssert.Contains(error.Message, "got Key<UInt32, 0-9>");
    }

    [TestMethod]
    public void GetOutputSchema_VariableSizeVector_ThrowsNamingColumnExpectedAndFoundType()
    {
        var ml = new MLContext(seed: 1);
        var shape = EstimatorContract.ShapeOf(VariableSizeImages(ml).Schema);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ScalePixels("Pixels", "Image").GetOutputSchema(shape));

        StringAssert.Contains(error.Message, "input column 'Image'");
        StringAssert.Contains(error.Message, "expected a known-size vector of Byte or Single");
        StringAssert.Contains(error.Message, "got Vector<Single> of unknown size");
    }

    [TestMethod]
    public void Fit_MissingColumn_ThrowsNamingIt()
    {
        using var data = new SyntheticMnist();
        var ml = new MLContext(seed: 1);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ScalePixels("Pixels", "Picture").Fit(data.Load(ml)));

        StringAssert.Contains(error.Message, "input column 'Picture'");
        StringAssert.Contains(error.Message, "got no column of that name");
    }

    [TestMethod]
    public void Fit_Int32Vector_Throws()
    {
        var ml = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(IntRow));
        schema[nameof(IntRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Int32, 2, 2);
        var input = ml.Data.LoadFromEnumerable([new IntRow { Image = [1, 2, 3, 4] }], schema);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Transforms.ScalePixels("Pixels", "Image").Fit(input));

        StringAssert.Contains(error.Message, "got Vector<Int32, 2, 2>");
    }

    /// <summary>An "Image" column of floats without a known size: wrong for both estimators.</summary>
    internal static IDataView VariableSizeImages(MLContext ml)
        => ml.Data.LoadFromEnumerable([new FloatRow { Image = [1f, 2f] }, new FloatRow { Image = [3f] }]);

    private static IDataView FloatImages(MLContext ml, float[] values)
    {
        var schema = SchemaDefinition.Create(typeof(FloatRow));
        schema[nameof(FloatRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2, 3);
        return ml.Data.LoadFromEnumerable([new FloatRow { Image = values }], schema);
    }

    internal sealed class FloatRow
    {
        public float[] Image { get; set; } = [];
    }

    internal sealed class IntRow
    {
        public int[] Image { get; set; } = [];
    }
}
