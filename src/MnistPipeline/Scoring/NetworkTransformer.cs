using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Networks.Onnx;
using MnistPipeline.Schema;

namespace MnistPipeline.Scoring;

/// <summary>
/// The fitted transformer of a network trainer: scores rows that have the feature column with
/// the trained network (<see cref="Model"/>), through its ONNX graph run by ML.NET's
/// OnnxTransformer. It is ML.NET's <see cref="ISingleFeaturePredictionTransformer{TModel}"/>, so
/// ML.NET's tooling finds the model (e.g. permutation feature importance).
/// </summary>
/// <remarks>
/// <para>
/// <c>mlContext.Model.Save</c> writes a chain of stock ML.NET transformers in place of this
/// transformer (a third party cannot save its own state into a model .zip), so
/// <c>mlContext.Model.Load</c> returns that chain, which scores identically; it needs the
/// MnistPipeline.Scoring assembly (not TorchSharp, and no registration call). To train a saved
/// model further, read its parameters back with <see cref="NetworkModelParameters.Load(string)"/>.
/// </para>
/// <para>
/// Dispose the transformer (or the chain that holds it) to release the ONNX Runtime session and
/// delete the temporary .onnx file it scores from (in <see cref="MLContext.TempFilePath"/>);
/// files of transformers never disposed are deleted when the process exits normally.
/// A <see cref="PredictionEngine{TSrc, TDst}"/> is not thread-safe: use one per thread (or a pool).
/// Create engines that share a model with <c>new PredictionEngineOptions { OwnsTransformer = false }</c>:
/// by default (ML.NET 5) disposing an engine disposes the model, and every other engine on it fails.
/// </para>
/// </remarks>
/// <typeparam name="TModel">The kind of network.</typeparam>
public abstract class NetworkTransformer<TModel> : ISingleFeaturePredictionTransformer<TModel>, IDisposable
    where TModel : NetworkModelParameters
{
    private readonly TransformerChain<ITransformer> _scoring;
    private readonly TemporaryOnnxFile _onnxFile;
    private bool _disposed;

    private protected NetworkTransformer(MLContext mlContext, TModel model, string featureColumnName, ScoringColumns columns,
        LabelKeyValues? labels, IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        Model = model;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = new VectorDataViewType(NumberDataViewType.Single, model.InputSize);
        TrainingHistory = history;
        Columns = columns;
        _onnxFile = new TemporaryOnnxFile(mlContext.TempFilePath,
            model.BuildOnnx(OnnxOutputNames.ForScoring(model.Task, featureColumnName, columns.Score)));
        try
        {
            _scoring = ScoringChain.Build(mlContext, _onnxFile.Path, model.Task, featureColumnName, model.InputSize, columns, labels);
        }
        catch
        {
            _onnxFile.Dispose();
            throw;
        }
    }

    /// <summary>The trained network: layers, weights, task and head.</summary>
    public TModel Model { get; }

    /// <summary>Name of the feature column the transformer reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Type of the feature column: a vector of Single of the network's input size.</summary>
    public DataViewType FeatureColumnType { get; }

    /// <summary>Metrics of every epoch that was trained (fewer than planned after early stopping).</summary>
    public IReadOnlyList<EpochMetrics> TrainingHistory { get; }

    /// <summary>
    /// What the probability calibration after training did (the temperature, the rows it was
    /// fitted on, their log-loss before and after); null for a regression.
    /// </summary>
    public CalibrationSummary? Calibration { get; internal init; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>The output column names.</summary>
    private protected ScoringColumns Columns { get; }

    /// <summary>The network as an ONNX model that scores one row (see <see cref="NetworkModelParameters.ToOnnx(string)"/>); its input is named after the feature column.</summary>
    public byte[] ToOnnx() => Model.ToOnnx(FeatureColumnName);

    /// <summary>Writes <see cref="ToOnnx"/> to a file, replacing it atomically.</summary>
    /// <param name="path">The .onnx file to write.</param>
    public void ExportOnnx(string path) => Model.ExportOnnx(path, FeatureColumnName);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return _scoring.GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema);
        return _scoring.Transform(input);
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return ((ITransformer)_scoring).GetRowToRowMapper(inputSchema);
    }

    /// <summary>Saves the scoring chain (stock ML.NET transformers) in place of this transformer.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ((ICanSaveModel)_scoring).Save(ctx);
    }

    /// <summary>Releases the ONNX Runtime session and deletes the temporary model file.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _scoring.Dispose();
        _onnxFile.Dispose();
        GC.SuppressFinalize(this);
    }

    private void CheckInput(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = ColumnCheck.FeatureVector(inputSchema, FeatureColumnName, "input");
        if (size != Model.InputSize)
            throw ColumnCheck.Mismatch(nameof(inputSchema), FeatureColumnName, $"Vector<Single, {Model.InputSize}>", $"Vector<Single, {size}>", "feature", "input");
    }
}
