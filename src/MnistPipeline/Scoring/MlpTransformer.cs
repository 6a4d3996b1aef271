using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Training;

namespace MnistPipeline.Scoring;

/// <summary>
/// A trained perceptron, produced by <see cref="MlpTrainer"/>: adds <c>Score</c> (softmax
/// probabilities, <c>Vector&lt;Single, k&gt;</c>) and <c>PredictedLabel</c> (the training label's
/// key type and key values) to rows that have the feature column.
/// </summary>
/// <remarks>
/// <para>
/// Scoring runs an ONNX graph of the trained weights in ML.NET's OnnxTransformer (ONNX Runtime),
/// not TorchSharp. <c>mlContext.Model.Save</c> writes that chain of stock transformers
/// (<see cref="MlpScoringChain"/>), so <c>mlContext.Model.Load</c> in any process returns a
/// chain that scores identically without TorchSharp and without a registration call; the loaded
/// object is that chain, not an <see cref="MlpTransformer"/>.
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
public sealed class MlpTransformer : ITransformer, IDisposable
{
    /// <summary>Temporary model files of live transformers, deleted at process exit if never disposed.</summary>
    private static readonly ConcurrentDictionary<string, byte> LiveModelFiles = new();

    static MlpTransformer() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteUndisposedModelFiles();

    private readonly TransformerChain<ITransformer> _scoring;
    private readonly string _onnxPath;
    private readonly byte[] _onnx;
    private bool _disposed;

    internal MlpTransformer(MLContext mlContext, IReadOnlyList<MlpLayer> layers, string featureColumnName,
        DataViewSchema.Column label, IReadOnlyList<MlpEpochMetrics> history, IDataView schemaSource)
    {
        Layers = layers;
        FeatureColumnName = featureColumnName;
        TrainingHistory = history;
        var keyValues = LabelKeyValues.FromLabel(label);
        _onnx = MlpOnnxGraph.Build(layers, featureColumnName, MlpScoringChain.ScoreColumn, ProducerVersion);
        _onnxPath = WriteTemporaryModel(mlContext, _onnx);
        try
        {
            _scoring = MlpScoringChain.Build(mlContext, _onnxPath, featureColumnName, keyValues, schemaSource);
        }
        catch
        {
            File.Delete(_onnxPath);
            LiveModelFiles.TryRemove(_onnxPath, out _);
            throw;
        }
    }

    /// <summary>The trained layers, input side first; the last one outputs the logits.</summary>
    public IReadOnlyList<MlpLayer> Layers { get; }

    /// <summary>Length of the feature vector the network expects.</summary>
    public int FeatureCount => Layers[0].InputSize;

    /// <summary>Number of classes (length of <c>Score</c>).</summary>
    public int ClassCount => Layers[^1].OutputSize;

    /// <summary>Number of trainable parameters (weights and biases).</summary>
    public long ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>Name of the feature column the transformer reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Metrics of every epoch that was trained (fewer than planned after early stopping).</summary>
    public IReadOnlyList<MlpEpochMetrics> TrainingHistory { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>The network as an ONNX model (opset 13): input = the feature column [d], outputs <c>Score</c> [k] and the arg-max.</summary>
    public byte[] ToOnnx() => (byte[])_onnx.Clone();

    /// <summary>Writes the network as an ONNX model file (see <see cref="ToOnnx"/>), replacing the file atomically.</summary>
    public void ExportOnnx(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ModelFileExtensions.SaveAtomically(path, stream => stream.Write(_onnx));
    }

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
        File.Delete(_onnxPath);
        LiveModelFiles.TryRemove(_onnxPath, out _);
    }

    private static void DeleteUndisposedModelFiles()
    {
        foreach (string path in LiveModelFiles.Keys)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort at exit: the file is in the temp folder either way.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private void CheckInput(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int size = MlpTrainer.CheckFeatureColumn(inputSchema, FeatureColumnName, "input");
        if (size != FeatureCount)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for feature column '{FeatureColumnName}': expected Vector<Single, {FeatureCount}>, got Vector<Single, {size}>.");
    }

    private static string ProducerVersion =>
        typeof(MlpTransformer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    private static string WriteTemporaryModel(MLContext mlContext, byte[] onnx)
    {
        string folder = string.IsNullOrEmpty(mlContext.TempFilePath) ? Path.GetTempPath() : mlContext.TempFilePath;
        string path = Path.Combine(folder, $"mnistpipeline-mlp-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, onnx);
        LiveModelFiles.TryAdd(path, 0);
        return path;
    }
}
