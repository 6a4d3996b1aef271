using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Transforms;

/// <summary>
/// A tiny data view with one vector column of doubles, one row per given constant (every slot of
/// a row holds that constant). Stock ML.NET transforms that learn from data are fitted on it to
/// obtain fixed, data-independent behaviour, e.g. a min-max normalizer fitted on rows of 0 and
/// 255 scales every slot by 1/255.
/// </summary>
internal sealed class ConstantVectorDataView : IDataView
{
    private readonly double[] _rowValues;
    private readonly int _size;

    public ConstantVectorDataView(string columnName, VectorDataViewType type, params double[] rowValues)
    {
        if (type.ItemType != NumberDataViewType.Double || !type.IsKnownSize)
            throw new ArgumentException($"Expected a known-size vector of Double, got {type}.", nameof(type));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(columnName, type);
        Schema = builder.ToSchema();
        _rowValues = rowValues;
        _size = type.Size;
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _rowValues.Length;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        => new Cursor(this, columnsNeeded.Any());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ConstantVectorDataView _view;
        private readonly bool _active;
        private long _position = -1;

        public Cursor(ConstantVectorDataView view, bool active)
        {
            _view = view;
            _active = active;
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= _view._rowValues.Length)
            {
                _position = _view._rowValues.Length;
                return false;
            }
            _position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => _active && column.Index == 0;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index != 0 || !_active)
                throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not active.");
            if (typeof(TValue) != typeof(VBuffer<double>))
                throw new InvalidOperationException($"Invalid TValue in GetGetter: '{typeof(TValue)}', expected type: '{typeof(VBuffer<double>)}'.");
            ValueGetter<VBuffer<double>> getter = (ref VBuffer<double> value) =>
            {
                if (_position < 0 || _position >= _view._rowValues.Length)
                    throw new InvalidOperationException("The cursor is not on a row.");
                var editor = VBufferEditor.Create(ref value, _view._size);
                editor.Values.Fill(_view._rowValues[_position]);
                value = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter()
            => (ref DataViewRowId value) => value = new DataViewRowId((ulong)_position, 0);
    }
}
