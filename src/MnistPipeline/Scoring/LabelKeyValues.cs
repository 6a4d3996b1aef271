using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Scoring;

/// <summary>
/// The training label's key values (its KeyValues annotation) in key order: key <c>i + 1</c>
/// (class index <c>i</c>) stands for value <c>i</c>. A label without KeyValues gets the class
/// indices 0..k-1 as values.
/// </summary>
internal abstract class LabelKeyValues
{
    /// <summary>ML.NET's annotation kind for the values of a key type.</summary>
    private const string KeyValuesKind = "KeyValues";

    /// <summary>A stock ValueMapping from the 0-based Int64 class index to the label value.</summary>
    public abstract IEstimator<ITransformer> MapIndexToValue(MLContext ml, string outputColumn, string indexColumn);

    /// <summary>A stock ValueToKeyMapping whose terms are the label values in key order.</summary>
    public abstract IEstimator<ITransformer> MapValueToKey(MLContext ml, string outputColumn, string valueColumn);

    public static LabelKeyValues FromLabel(DataViewSchema.Column label)
    {
        int count = checked((int)((KeyDataViewType)label.Type).Count);
        var annotation = label.Annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (annotation?.Type is not VectorDataViewType { ItemType: var itemType })
            return new Typed<uint>(Enumerable.Range(0, count).Select(i => (uint)i).ToArray());

        Type raw = itemType.RawType;
        if (raw == typeof(ReadOnlyMemory<char>))
            return new Typed<string>(Read<ReadOnlyMemory<char>>(label, count).Select(v => v.ToString()).ToArray());
        if (raw == typeof(uint)) return new Typed<uint>(Read<uint>(label, count));
        if (raw == typeof(int)) return new Typed<int>(Read<int>(label, count));
        if (raw == typeof(long)) return new Typed<long>(Read<long>(label, count));
        if (raw == typeof(ulong)) return new Typed<ulong>(Read<ulong>(label, count));
        if (raw == typeof(ushort)) return new Typed<ushort>(Read<ushort>(label, count));
        if (raw == typeof(short)) return new Typed<short>(Read<short>(label, count));
        if (raw == typeof(byte)) return new Typed<byte>(Read<byte>(label, count));
        if (raw == typeof(sbyte)) return new Typed<sbyte>(Read<sbyte>(label, count));
        if (raw == typeof(float)) return new Typed<float>(Read<float>(label, count));
        if (raw == typeof(double)) return new Typed<double>(Read<double>(label, count));
        if (raw == typeof(bool)) return new Typed<bool>(Read<bool>(label, count));
        throw new NotSupportedException(
            $"Label column '{label.Name}': key values of type {itemType} are not supported; use text or numeric label values.");
    }

    private static T[] Read<T>(DataViewSchema.Column label, int count)
    {
        var values = default(VBuffer<T>);
        label.GetKeyValues(ref values);
        var dense = values.DenseValues().ToArray();
        if (dense.Length != count)
            throw new InvalidOperationException(
                $"Label column '{label.Name}': the KeyValues annotation has {dense.Length} values for a key type of {count}.");
        return dense;
    }

    private sealed class Typed<T> : LabelKeyValues
    {
        private readonly T[] _values;

        public Typed(T[] values)
        {
            if (values.Distinct().Count() != values.Length)
                throw new InvalidOperationException("The label's key values are not distinct, so a predicted class could not be told apart.");
            _values = values;
        }

        public override IEstimator<ITransformer> MapIndexToValue(MLContext ml, string outputColumn, string indexColumn)
        {
            var pairs = _values.Select((value, index) => new KeyValuePair<long, T>(index, value));
            return ml.Transforms.Conversion.MapValue(outputColumn, pairs, indexColumn);
        }

        public override IEstimator<ITransformer> MapValueToKey(MLContext ml, string outputColumn, string valueColumn)
        {
            var terms = ml.Data.LoadFromEnumerable(_values.Select(v => new Term { Value = v }));
            return ml.Transforms.Conversion.MapValueToKey(outputColumn, valueColumn, keyData: terms);
        }

        private sealed class Term
        {
            public T Value { get; set; } = default!;
        }
    }
}
