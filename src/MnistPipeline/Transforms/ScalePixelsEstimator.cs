using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;

namespace MnistPipeline.Transforms;

/// <summary>
/// Scales pixel values from 0-255 to 0-1 (x / 255) and keeps the image's dimensions. Created by
/// <see cref="ImageTransformsCatalog.ScalePixels"/>.
/// </summary>
/// <remarks>
/// <para>
/// Input: a known-size vector of <see cref="byte"/> or <see cref="float"/>, e.g. <c>Vector&lt;Byte, 28, 28&gt;</c>.
/// Output: <c>Vector&lt;Single&gt;</c> with the same dimensions (<c>Vector&lt;Single, 28, 28&gt;</c>).
/// </para>
/// <para>
/// <see cref="Fit"/> returns a chain of stock ML.NET transformers, so the result is saved and
/// loaded by <c>mlContext.Model.Save</c>/<c>Load</c> with no registration: a conversion to
/// <see cref="double"/>, a min-max normalizer fitted once on two constant rows (0 and 255, so that
/// every slot is multiplied by 1/255 whatever the data), and a conversion to <see cref="float"/>.
/// ML.NET has no public element-wise arithmetic that keeps dimensions (its Expression transform
/// flattens), and computing in double then rounding gives exactly the single-precision x / 255
/// for every byte value, which a float multiplication by 1/255 does not.
/// </para>
/// </remarks>
public sealed class ScalePixelsEstimator : IEstimator<ITransformer>
{
    /// <summary>The divisor: the largest 8-bit pixel value.</summary>
    public const double PixelMax = 255;

    private const string ExpectedType = "a known-size vector of Byte or Single (e.g. Vector<Byte, 28, 28>)";

    private readonly TransformsCatalog _catalog;

    internal ScalePixelsEstimator(TransformsCatalog catalog, string outputColumnName, string inputColumnName)
    {
        _catalog = catalog;
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
    }

    /// <summary>The column that receives the scaled pixels.</summary>
    public string OutputColumnName { get; }

    /// <summary>The column of raw pixels.</summary>
    public string InputColumnName { get; }

    /// <summary>Checks the input column and returns the schema the fitted chain will produce.</summary>
    /// <param name="inputSchema">The shape of the input.</param>
    /// <returns>The input shape plus the output column (a vector of Single).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not a known-size vector of Byte or Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var column = ColumnCheck.Find(inputSchema, InputColumnName, ExpectedType);
        if (column.Kind != SchemaShape.Column.VectorKind.Vector || column.IsKey || !IsSupportedItem(column.ItemType))
            throw ColumnCheck.Mismatch(nameof(inputSchema), InputColumnName, ExpectedType, ColumnCheck.Describe(column));
        // SchemaShape.Column cannot be constructed outside ML.NET: the stock estimators that Fit
        // will use describe the output.
        return _catalog.Conversion.ConvertType(OutputColumnName, InputColumnName, DataKind.Double)
            .Append(_catalog.NormalizeMinMax(OutputColumnName, OutputColumnName, fixZero: true))
            .Append(_catalog.Conversion.ConvertType(OutputColumnName, OutputColumnName, DataKind.Single))
            .GetOutputSchema(inputSchema);
    }

    /// <summary>Checks the input column and returns the savable chain of stock transformers that scales it.</summary>
    /// <param name="input">Data with the input column; only its schema is read.</param>
    /// <returns>A <see cref="TransformerChain{TLastTransformer}"/> of stock ML.NET transformers.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The input column is missing or not a known-size vector of Byte or Single.</exception>
    public ITransformer Fit(IDataView input)
    {
        var column = ColumnCheck.Find(input, InputColumnName, ExpectedType);
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || !IsSupportedItem(vector.ItemType))
            throw ColumnCheck.Mismatch(nameof(input), InputColumnName, ExpectedType, ColumnCheck.Describe(column.Type));

        var toDouble = _catalog.Conversion.ConvertType(OutputColumnName, InputColumnName, DataKind.Double).Fit(input);
        var doubles = toDouble.Transform(input);
        var doubleType = (VectorDataViewType)doubles.Schema[OutputColumnName].Type;

        // Fitted on 0 and 255 in every slot, with zero kept at zero: scale = 1/255 in every slot.
        var calibration = new ConstantVectorDataView(OutputColumnName, doubleType, 0, PixelMax);
        var scale = _catalog.NormalizeMinMax(OutputColumnName, OutputColumnName, fixZero: true).Fit(calibration);
        var scaled = scale.Transform(doubles);

        var toSingle = _catalog.Conversion.ConvertType(OutputColumnName, OutputColumnName, DataKind.Single).Fit(scaled);
        return new TransformerChain<ITransformer>(toDouble, scale, toSingle);
    }

    private static bool IsSupportedItem(DataViewType itemType)
        => itemType == NumberDataViewType.Byte || itemType == NumberDataViewType.Single;
}
