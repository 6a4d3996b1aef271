using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;

namespace MnistPipeline.Transforms;

/// <summary>
/// Flattens a multi-dimensional vector to one dimension (e.g. 28 × 28 → 784), keeping the item
/// type and the values in row-major order. Created by <see cref="ImageTransformsCatalog.FlattenImage"/>.
/// </summary>
/// <remarks>
/// <para>
/// Input: a known-size vector of Single, Double, Int32, Int64, Boolean, Text, SByte, Int16, Byte,
/// UInt16, UInt32 or UInt64. Output: <c>Vector&lt;T, n&gt;</c>, one-dimensional, same item type.
/// </para>
/// <para>
/// <see cref="Fit"/> returns a chain of stock ML.NET transformers (savable, no registration). ML.NET
/// has no public reshape: <c>Concatenate</c> of a single column keeps its dimensions; its
/// <c>Expression</c> transform with the identity <c>x =&gt; x</c> does flatten, but accepts only
/// Single, Double, Int32, Int64, Boolean and Text. Other item types go through the nearest type it
/// accepts and back, which is exact: SByte and Int16 through Int32; the unsigned types through Text,
/// because ML.NET converts neither signed nor floating-point values back to unsigned ones. The
/// Text route costs about twice the direct one, so scale bytes first
/// (<see cref="ImageTransformsCatalog.ScalePixels"/>) when speed matters.
/// </para>
/// </remarks>
public sealed class FlattenImageEstimator : IEstimator<ITransformer>
{
    private const string ExpectedType =
        "a known-size vector of Single, Double, Int32, Int64, Boolean, Text, SByte, Int16, Byte, UInt16, UInt32 or UInt64";

    private const string Identity = "x => x";

    private readonly TransformsCatalog _catalog;

    internal FlattenImageEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName)
    {
        _catalog = catalog;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>The column that receives the flat vector.</summary>
    public string OutputColumnName { get; }

    /// <summary>The column to flatten.</summary>
    public string InputColumnName { get; }

    /// <summary>Checks the input column and returns the schema the fitted chain will produce.</summary>
    /// <param name="inputSchema">The shape of the input.</param>
    /// <returns>The input shape plus the output column (a vector of the same item type).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, not a known-size vector, or of an unsupported item type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var column = ColumnCheck.Find(inputSchema, InputColumnName, ExpectedType);
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.IsKey || Route(column.ItemType) is not { } route)
            throw ColumnCheck.Mismatch(nameof(inputSchema), InputColumnName, ExpectedType, ColumnCheck.Describe(column));
        // SchemaShape.Column cannot be constructed outside ML.NET: the stock estimators that Fit
        // will use describe the output.
        return BuildChain(route).GetOutputSchema(inputSchema);
    }

    /// <summary>Checks the input column and returns the savable chain of stock transformers that flattens it.</summary>
    /// <param name="input">Data with the input column; only its schema is read.</param>
    /// <returns>A <see cref="TransformerChain{TLastTransformer}"/> of stock ML.NET transformers.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing, not a known-size vector, or of an unsupported item type.</exception>
    public ITransformer Fit(IDataView input)
    {
        var column = ColumnCheck.Find(input, InputColumnName, ExpectedType);
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || Route(vector.ItemType) is not { } route)
            throw ColumnCheck.Mismatch(nameof(input), InputColumnName, ExpectedType, ColumnCheck.Describe(column.Type));
        return BuildChain(route).Fit(input);
    }

    /// <summary>
    /// The item type the Expression transform sees (null: it is native) and the type to convert back
    /// to; null when the item type is not supported.
    /// </summary>
    private static (DataKind? Via, DataKind Item)? Route(DataViewType itemType)
    {
        if (itemType is KeyDataViewType)
            return null;
        return itemType.RawType switch
        {
            Type t when t == typeof(float) => (null, DataKind.Single),
            Type t when t == typeof(double) => (null, DataKind.Double),
            Type t when t == typeof(int) => (null, DataKind.Int32),
            Type t when t == typeof(long) => (null, DataKind.Int64),
            Type t when t == typeof(bool) => (null, DataKind.Boolean),
            Type t when t == typeof(ReadOnlyMemory<char>) => (null, DataKind.String),
            Type t when t == typeof(sbyte) => (DataKind.Int32, DataKind.SByte),
            Type t when t == typeof(short) => (DataKind.Int32, DataKind.Int16),
            Type t when t == typeof(byte) => (DataKind.String, DataKind.Byte),
            Type t when t == typeof(ushort) => (DataKind.String, DataKind.UInt16),
            Type t when t == typeof(uint) => (DataKind.String, DataKind.UInt32),
            Type t when t == typeof(ulong) => (DataKind.String, DataKind.UInt64),
            _ => null,
        };
    }

    private IEstimator<ITransformer> BuildChain((DataKind? Via, DataKind Item) route)
    {
        if (route.Via is not { } via)
            return _catalog.Expression(OutputColumnName, Identity, InputColumnName);
        // Intermediate steps reuse the output name, so they end up hidden and leave no extra columns.
        return _catalog.Conversion.ConvertType(OutputColumnName, InputColumnName, via)
            .Append(_catalog.Expression(OutputColumnName, Identity, OutputColumnName))
            .Append(_catalog.Conversion.ConvertType(OutputColumnName, OutputColumnName, route.Item));
    }
}
