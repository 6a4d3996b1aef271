using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Data;

/// <summary>A cursor over <see cref="MnistDataView"/>, in file order or in a seeded random order.</summary>
internal sealed class MnistRowCursor : DataViewRowCursor
{
    private readonly MnistDataView _view;
    private readonly bool[] _active;
    private readonly int[]? _order;
    private readonly byte[] _labels;
    private readonly int _imageSize;
    private IdxPayloadReader? _images;
    private long _position = -1;
    private int _row = -1;
    private bool _done;
    private bool _disposed;

    public MnistRowCursor(MnistDataView view, bool[] active, int[]? order)
    {
        _view = view;
        _active = active;
        _order = order;
        _labels = view.Labels;
        _imageSize = view.Images.ItemSize;
        // Only an active image column touches the images file.
        if (active[MnistDataView.ImageColumnIndex])
            _images = view.Images.Payload.OpenReader();
    }

    public override DataViewSchema Schema => _view.Schema;

    public override long Position => _position;

    /// <summary>Always 0: the view hands out a single cursor.</summary>
    public override long Batch => 0;

    public override bool MoveNext()
    {
        if (_disposed || _done)
            return false;
        if (_position + 1 >= _labels.Length)
        {
            _done = true;
            _row = -1;
            return false;
        }
        _position++;
        _row = _order is null ? (int)_position : _order[_position];
        return true;
    }

    public override bool IsColumnActive(DataViewSchema.Column column)
    {
        _view.CheckOwnColumn(column, nameof(column));
        return _active[column.Index];
    }

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        _view.CheckOwnColumn(column, nameof(column));
        if (!_active[column.Index])
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not active in this cursor: ask for it in GetRowCursor.");
        if (typeof(TValue) != column.Type.RawType)
        {
            throw new InvalidOperationException(
                $"Invalid TValue in GetGetter for column '{column.Name}': '{typeof(TValue)}', expected type: '{column.Type.RawType}'.");
        }

        Delegate getter = column.Index == MnistDataView.LabelColumnIndex
            ? (ValueGetter<uint>)GetLabel
            : (ValueGetter<VBuffer<byte>>)GetImage;
        return (ValueGetter<TValue>)getter;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter()
        => (ref DataViewRowId value) =>
        {
            EnsureOnRow();
            // The row's place in the file: unique, and the same whatever the cursor's order.
            value = new DataViewRowId((ulong)_row, 0);
        };

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
            return;
        if (disposing)
        {
            _images?.Dispose();
            _images = null;
        }
        _disposed = true;
        _row = -1;
        base.Dispose(disposing);
    }

    private void GetLabel(ref uint value)
    {
        EnsureOnRow();
        value = _labels[_row] + 1u; // ML.NET keys are 1-based; 0 means missing
    }

    private void GetImage(ref VBuffer<byte> value)
    {
        EnsureOnRow();
        var editor = VBufferEditor.Create(ref value, _imageSize);
        _images!.Read((long)_row * _imageSize, editor.Values);
        value = editor.Commit();
    }

    private void EnsureOnRow()
    {
        if (_row < 0)
            throw new InvalidOperationException("The cursor is not on a row: call MoveNext first, and do not read after it returned false or after Dispose.");
    }
}
