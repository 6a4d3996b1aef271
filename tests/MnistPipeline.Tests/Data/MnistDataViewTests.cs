using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Data;

[TestClass]
public sealed class MnistDataViewTests
{
    private SyntheticMnist _data = null!;
    private IDataView _view = null!;

    [TestInitialize]
    public void Load()
    {
        _data = new SyntheticMnist(count: 50, rows: 3, columns: 4);
        _view = _data.Load(new MLContext(seed: 1));
    }

    [TestCleanup]
    public void Delete() => _data.Dispose();

    [TestMethod]
    public void GetRowCount_IsKnownWithoutAPass()
    {
        Assert.AreEqual(50L, _view.GetRowCount());
        Assert.IsTrue(_view.CanShuffle);
    }

    [TestMethod]
    public void GetRowCursor_NoRandom_ReadsRowsInFileOrder()
    {
        var rows = ReadAll(_view.GetRowCursor(_view.Schema));

        CollectionAssert.AreEqual(Enumerable.Range(0, 50).ToArray(), rows.Select(r => r.Row).ToArray());
        Assert.IsTrue(rows.All(r => r.Image.SequenceEqual(_data.Pixels(r.Row)) && r.Key == _data.Label(r.Row) + 1u));
    }

    [TestMethod]
    public void GetRowCursor_WithRandom_VisitsEveryRowOnceInASeededOrder()
    {
        var first = ReadAll(_view.GetRowCursor(_view.Schema, new Random(7)));
        var again = ReadAll(_view.GetRowCursor(_view.Schema, new Random(7)));
        var other = ReadAll(_view.GetRowCursor(_view.Schema, new Random(8)));

        var order = first.Select(r => r.Row).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).ToArray(), order);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 50).ToArray(), order, "a random cursor must not read in file order");
        CollectionAssert.AreEqual(order, again.Select(r => r.Row).ToArray(), "the same seed must give the same order");
        CollectionAssert.AreNotEqual(order, other.Select(r => r.Row).ToArray(), "another seed must give another order");
        Assert.IsTrue(first.All(r => r.Image.SequenceEqual(_data.Pixels(r.Row)) && r.Key == _data.Label(r.Row) + 1u),
            "each row's label and image must stay together");
        CollectionAssert.AreEqual(Enumerable.Range(0, 50).Select(i => (long)i).ToArray(), first.Select(r => r.Position).ToArray());
    }

    [TestMethod]
    public void ShuffleRows_FromMlNet_KeepsLabelsWithTheirImages()
    {
        var ml = new MLContext(seed: 1);

        var shuffled = ml.Data.ShuffleRows(_view, seed: 3);

        var keys = shuffled.GetColumn<uint>("Label").ToArray();
        var images = shuffled.GetColumn<VBuffer<byte>>("Image").Select(v => v.DenseValues().ToArray()).ToList();
        Assert.HasCount(50, keys);
        for (int i = 0; i < keys.Length; i++)
        {
            int row = Enumerable.Range(0, 50).Single(r => images[i].SequenceEqual(_data.Pixels(r)));
            Assert.AreEqual(_data.Label(row) + 1u, keys[i], $"shuffled row {i}");
        }
    }

    [TestMethod]
    public void GetRowCursor_LabelOnly_NeverOpensTheImagesFile()
    {
        File.Delete(_data.ImagesPath);

        using var cursor = _view.GetRowCursor([_view.Schema["Label"]]);

        Assert.IsTrue(cursor.IsColumnActive(_view.Schema["Label"]));
        Assert.IsFalse(cursor.IsColumnActive(_view.Schema["Image"]));
        var getter = cursor.GetGetter<uint>(_view.Schema["Label"]);
        uint key = 0;
        int count = 0;
        while (cursor.MoveNext())
        {
            getter(ref key);
            count++;
        }
        Assert.AreEqual(50, count);
        Assert.ThrowsExactly<FileNotFoundException>(() => _view.GetRowCursor(_view.Schema).Dispose());
    }

    [TestMethod]
    public void GetGetter_WrongType_ThrowsInvalidOperationNamingTypes()
    {
        using var cursor = _view.GetRowCursor(_view.Schema);

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(_view.Schema["Label"]));

        StringAssert.Contains(error.Message, "System.Single");
        StringAssert.Contains(error.Message, "System.UInt32");
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<VBuffer<float>>(_view.Schema["Image"]));
    }

    [TestMethod]
    public void GetGetter_InactiveColumn_ThrowsArgumentOutOfRange()
    {
        using var cursor = _view.GetRowCursor([_view.Schema["Label"]]);

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => cursor.GetGetter<VBuffer<byte>>(_view.Schema["Image"]));

        StringAssert.Contains(error.Message, "'Image'");
    }

    [TestMethod]
    public void GetRowCursor_ColumnOfAnotherSchema_ThrowsArgumentOutOfRange()
    {
        var ml = new MLContext(seed: 1);
        var other = ml.Data.LoadFromEnumerable([new { Label = 1f }]);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => _view.GetRowCursor([other.Schema["Label"]]));
    }

    [TestMethod]
    public void Getter_BeforeMoveNextOrAfterTheEnd_ThrowsInvalidOperation()
    {
        using var cursor = _view.GetRowCursor(_view.Schema);
        var getter = cursor.GetGetter<uint>(_view.Schema["Label"]);
        uint key = 0;

        Assert.ThrowsExactly<InvalidOperationException>(() => getter(ref key));
        while (cursor.MoveNext())
        {
        }
        Assert.ThrowsExactly<InvalidOperationException>(() => getter(ref key));
        Assert.IsFalse(cursor.MoveNext());
    }

    [TestMethod]
    public void GetIdGetter_ShuffledCursor_IdsAreUniqueAndFollowTheRow()
    {
        using var cursor = _view.GetRowCursor(_view.Schema, new Random(1));
        var ids = cursor.GetIdGetter();
        var images = cursor.GetGetter<VBuffer<byte>>(_view.Schema["Image"]);
        var seen = new HashSet<DataViewRowId>();
        DataViewRowId id = default;
        VBuffer<byte> image = default;
        while (cursor.MoveNext())
        {
            ids(ref id);
            images(ref image);
            Assert.IsTrue(seen.Add(id), $"id {id} seen twice");
            CollectionAssert.AreEqual(_data.Pixels((int)id.Low), image.DenseValues().ToArray());
        }
        Assert.HasCount(50, seen);
    }

    [TestMethod]
    public void GetRowCursorSet_ReturnsOneCursorInBatchZero()
    {
        var cursors = _view.GetRowCursorSet(_view.Schema, 4, new Random(1));

        Assert.HasCount(1, cursors);
        Assert.AreEqual(0L, cursors[0].Batch);
        Assert.AreEqual(50, ReadAll(cursors[0]).Count);
    }

    [TestMethod]
    public void MoveNext_AfterDispose_ReturnsFalse()
    {
        var cursor = _view.GetRowCursor(_view.Schema);
        Assert.IsTrue(cursor.MoveNext());

        cursor.Dispose();

        Assert.IsFalse(cursor.MoveNext());
    }

    [TestMethod]
    public void TrainTestSplit_FromMlNet_SplitsAllRows()
    {
        var ml = new MLContext(seed: 1);

        var split = ml.Data.TrainTestSplit(_view, testFraction: 0.2, seed: 1);

        Assert.AreEqual(50, split.TrainSet.GetColumn<uint>("Label").Count() + split.TestSet.GetColumn<uint>("Label").Count());
    }

    private sealed record ReadRow(long Position, int Row, uint Key, byte[] Image);

    /// <summary>Reads all rows; the row's index in the file comes from its image (all images differ).</summary>
    private List<ReadRow> ReadAll(DataViewRowCursor cursor)
    {
        using (cursor)
        {
            var keys = cursor.GetGetter<uint>(_view.Schema["Label"]);
            var images = cursor.GetGetter<VBuffer<byte>>(_view.Schema["Image"]);
            var ids = cursor.GetIdGetter();
            var rows = new List<ReadRow>();
            uint key = 0;
            VBuffer<byte> image = default;
            DataViewRowId id = default;
            while (cursor.MoveNext())
            {
                keys(ref key);
                images(ref image);
                ids(ref id);
                rows.Add(new ReadRow(cursor.Position, (int)id.Low, key, image.DenseValues().ToArray()));
            }
            return rows;
        }
    }
}
