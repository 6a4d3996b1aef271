using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Data;

/// <summary>
/// An <see cref="IDataView"/> over an IDX images file and an IDX labels file. The labels (one byte
/// per row) are held in memory, validated when the view is created; images are read by each
/// cursor only when the image column is active, straight from the file mapping (or from the
/// inflated gzip data), one row at a time.
/// </summary>
internal sealed class MnistDataView : IDataView
{
    /// <summary>The annotation kind ML.NET uses for a key column's values (its own constant is internal).</summary>
    internal const string KeyValuesKind = "KeyValues";

    private readonly IdxFile _images;
    private readonly byte[] _labels;

    public MnistDataView(IdxFile images, byte[] labels, int classCount, string labelColumnName, string imageColumnName)
    {
        _images = images;
        _labels = labels;
        Schema = BuildSchema(classCount, labelColumnName, imageColumnName,
            (int)images.Dimensions[1], (int)images.Dimensions[2]);
    }

    /// <summary>Index of the label column in <see cref="Schema"/>.</summary>
    internal const int LabelColumnIndex = 0;

    /// <summary>Index of the image column in <see cref="Schema"/>.</summary>
    internal const int ImageColumnIndex = 1;

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    internal IdxFile Images => _images;

    internal byte[] Labels => _labels;

    public long? GetRowCount() => _labels.LongLength;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[Schema.Count];
        foreach (var column in columnsNeeded)
        {
            CheckOwnColumn(column, nameof(columnsNeeded));
            active[column.Index] = true;
        }
        return new MnistRowCursor(this, active, rand is null ? null : Permutation(_labels.Length, rand));
    }

    /// <summary>
    /// One cursor: reading is a copy out of a mapping, so splitting the rows across threads would
    /// gain little and cost the consumer a merge.
    /// </summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    internal void CheckOwnColumn(DataViewSchema.Column column, string paramName)
    {
        if (column.Index < 0 || column.Index >= Schema.Count || Schema[column.Index].Name != column.Name
            || !Schema[column.Index].Type.Equals(column.Type))
        {
            throw new ArgumentOutOfRangeException(paramName, $"Column '{column.Name}' (index {column.Index}) is not a column of this MNIST data view.");
        }
    }

    private static int[] Permutation(int count, Random rand)
    {
        var order = new int[count];
        for (int i = 0; i < order.Length; i++)
            order[i] = i;
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rand.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static DataViewSchema BuildSchema(int classCount, string labelColumnName, string imageColumnName, int rows, int columns)
    {
        // KeyValues make MapKeyToValue give back the digit (key = digit + 1, ML.NET keys are 1-based)
        // and let evaluators and PredictedLabel columns show the classes by their own names.
        var keyValues = new DataViewSchema.Annotations.Builder();
        keyValues.Add(KeyValuesKind, new VectorDataViewType(NumberDataViewType.UInt32, classCount),
            (ref VBuffer<uint> value) =>
            {
                var editor = VBufferEditor.Create(ref value, classCount);
                for (int i = 0; i < classCount; i++)
                    editor.Values[i] = (uint)i;
                value = editor.Commit();
            });

        var builder = new DataViewSchema.Builder();
        builder.AddColumn(labelColumnName, new KeyDataViewType(typeof(uint), classCount), keyValues.ToAnnotations());
        builder.AddColumn(imageColumnName, new VectorDataViewType(NumberDataViewType.Byte, rows, columns));
        return builder.ToSchema();
    }
}
