using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;
using MnistPipeline.Training;
using static TorchSharp.torch;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The read of a data view into tensors, against the rows computed here: order kept, rows with a
/// missing label or a non-finite feature skipped and counted, the same tensors whether the view
/// knows its row count, does not, or states a wrong one, over several blocks of rows.
/// </summary>
[TestClass]
public sealed class TensorDatasetTests
{
    private const int Width = 3;

    private sealed class KeyRow
    {
        public string Name { get; set; } = "";

        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    private sealed class SingleRow
    {
        public float Label { get; set; }

        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    private sealed class NameRow
    {
        public string Name { get; set; } = "";
    }

    /// <summary>9,000 rows (more than two blocks of 4,096): every 7th without a label, every 11th with a NaN or ∞ feature.</summary>
    private static KeyRow[] KeyRows(int count = 9000) => Enumerable.Range(0, count).Select(i => new KeyRow
    {
        Name = i % 7 == 3 ? "unknown" : $"c{i % 4}",
        Features = [i, i % 11 == 5 ? (i % 2 == 0 ? float.NaN : float.PositiveInfinity) : -i, 0.5f * i],
    }).ToArray();

    /// <summary>Label: a key over c0..c3 (class index = the digit); "unknown" is not among them and becomes key 0, ML.NET's missing key.</summary>
    private static IDataView KeyView(MLContext ml, KeyRow[] rows)
    {
        var raw = ml.Data.LoadFromEnumerable(rows);
        var names = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(c => new NameRow { Name = $"c{c}" }));
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(KeyRow.Name), keyData: names).Fit(raw).Transform(raw);
    }

    private static bool HasLabel(KeyRow row) => row.Name != "unknown";

    private static long ClassIndex(KeyRow row) => row.Name[1] - '0';

    [TestMethod]
    [DataRow("known")]
    [DataRow("unknown")]
    [DataRow("understated")]
    [DataRow("overstated")]
    public void Load_KeyLabels_KeepsOrderSkipsAndCountsBadRows(string rowCount)
    {
        var ml = new MLContext(1);
        var rows = KeyRows();
        var view = WithRowCount(KeyView(ml, rows), rowCount, rows.Length);

        using var data = TensorDataset.Load(view, "Features", Width, "Label", LabelKind.Key, classCount: 4, CPU, CancellationToken.None);

        var kept = rows.Where(r => HasLabel(r) && r.Features.All(float.IsFinite)).ToArray();
        Assert.AreEqual(rows.Count(r => !HasLabel(r)), data.SkippedMissingLabel);
        Assert.AreEqual(rows.Count(r => HasLabel(r) && !r.Features.All(float.IsFinite)), data.SkippedNonFinite);
        Assert.AreEqual(kept.Length, data.Count);
        Assert.AreEqual(ScalarType.Int64, data.Labels.dtype);
        CollectionAssert.AreEqual(new long[] { kept.Length, Width }, data.Features.shape);
        CollectionAssert.AreEqual(kept.Select(ClassIndex).ToArray(), data.Labels.data<long>().ToArray(), "0-based class indices, in row order");
        CollectionAssert.AreEqual(kept.SelectMany(r => r.Features).ToArray(), data.Features.contiguous().data<float>().ToArray());
    }

    [TestMethod]
    public void Load_SingleLabels_SkipsNonFiniteLabelsAndKeepsValues()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 500).Select(i => new SingleRow
        {
            Label = i % 9 == 0 ? float.NaN : i % 13 == 0 ? float.NegativeInfinity : i * 0.25f,
            Features = [i, 1, i % 17 == 0 ? float.NaN : 2],
        }).ToArray();

        using var data = TensorDataset.Load(ml.Data.LoadFromEnumerable(rows), "Features", Width, "Label", LabelKind.Single, 0, CPU, CancellationToken.None);

        var kept = rows.Where(r => float.IsFinite(r.Label) && r.Features.All(float.IsFinite)).ToArray();
        Assert.AreEqual(rows.Count(r => !float.IsFinite(r.Label)), data.SkippedMissingLabel);
        Assert.AreEqual(ScalarType.Float32, data.Labels.dtype);
        CollectionAssert.AreEqual(kept.Select(r => r.Label).ToArray(), data.Labels.data<float>().ToArray());
        CollectionAssert.AreEqual(kept.SelectMany(r => r.Features).ToArray(), data.Features.data<float>().ToArray());
    }

    [TestMethod]
    public void Load_SparseFeatures_ZerosWhereTheVectorHasNoValue()
    {
        var ml = new MLContext(1);
        var rows = KeyRows(50).Where(r => HasLabel(r) && r.Features.All(float.IsFinite)).ToArray();
        var sparse = new SparseFeatures(KeyView(ml, rows));

        using var data = TensorDataset.Load(sparse, "Features", Width, "Label", LabelKind.Key, 4, CPU, CancellationToken.None);

        var expected = rows.SelectMany(r => new[] { r.Features[0], 0f, r.Features[2] }).ToArray();
        CollectionAssert.AreEqual(expected, data.Features.data<float>().ToArray());
    }

    [TestMethod]
    public void Load_FeatureVectorOfOtherLength_ThrowsNamingColumnRowAndSizes()
    {
        var ml = new MLContext(1);
        var rows = KeyRows(10);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
            TensorDataset.Load(KeyView(ml, rows), "Features", Width + 1, "Label", LabelKind.Key, 4, CPU, CancellationToken.None));
        StringAssert.Contains(error.Message, "Feature column 'Features'");
        StringAssert.Contains(error.Message, "expected a vector of 4 values, found 3");
    }

    /// <summary>The view as given, or wrapped to report no row count or a wrong one.</summary>
    private static IDataView WithRowCount(IDataView view, string kind, long rows) => kind switch
    {
        "known" => new StatedRowCount(view, rows),
        "unknown" => new StatedRowCount(view, null),
        "understated" => new StatedRowCount(view, rows / 3),
        "overstated" => new StatedRowCount(view, rows + 1000),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A view that states a row count of its choosing (ML.NET's own views know it or not).</summary>
    private sealed class StatedRowCount(IDataView inner, long? rows) : IDataView
    {
        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => rows;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => inner.GetRowCursor(columnsNeeded, rand);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => inner.GetRowCursorSet(columnsNeeded, n, rand);
    }

    /// <summary>The view with its Features column served as a sparse vector holding slots 0 and 2 only.</summary>
    private sealed class SparseFeatures(IDataView inner) : IDataView
    {
        public bool CanShuffle => false;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => inner.GetRowCount();
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(inner.GetRowCursor(columnsNeeded, rand));
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

        private sealed class Cursor(DataViewRowCursor inner) : DataViewRowCursor
        {
            public override DataViewSchema Schema => inner.Schema;
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override bool MoveNext() => inner.MoveNext();
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                if (column.Name != "Features")
                    return inner.GetGetter<TValue>(column);
                var dense = inner.GetGetter<VBuffer<float>>(column);
                VBuffer<float> source = default;
                ValueGetter<VBuffer<float>> sparse = (ref VBuffer<float> value) =>
                {
                    dense(ref source);
                    var values = source.DenseValues().ToArray();
                    value = new VBuffer<float>(Width, 2, [values[0], values[2]], [0, 2]);
                };
                return (ValueGetter<TValue>)(Delegate)sparse;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                    inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
