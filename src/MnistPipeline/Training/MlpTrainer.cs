using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Scoring;
using MnistPipeline.Transforms;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Trains a multilayer perceptron (fully connected network) for multiclass classification with
/// TorchSharp (libtorch), as an ML.NET estimator.
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>Column</term><description>Type</description></listheader>
/// <item><term>Features (input)</term><description>known-size vector of <see cref="float"/>, e.g. <c>Vector&lt;Single, 784&gt;</c></description></item>
/// <item><term>Label (input, training only)</term><description>key type; the class count is its key count</description></item>
/// <item><term>Score (output)</term><description><c>Vector&lt;Single, k&gt;</c>: softmax probability of each class</description></item>
/// <item><term>PredictedLabel (output)</term><description>key type with the label's key values: the most probable class</description></item>
/// </list>
/// <para>Trainer characteristics:</para>
/// <list type="table">
/// <item><term>Machine learning task</term><description>multiclass classification</description></item>
/// <item><term>Is normalization required?</term><description>yes: scale features to about 0..1 (e.g. <c>ScalePixels</c>)</description></item>
/// <item><term>Is caching required?</term><description>no: the training data is read once into memory (4 bytes per feature per row)</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>TorchSharp with a libtorch backend (e.g. TorchSharp-cpu) in the application; Microsoft.ML.OnnxTransformer to score</description></item>
/// <item><term>Exportable to ONNX</term><description>yes: <see cref="MlpTransformer.ExportOnnx(string)"/></description></item>
/// </list>
/// <para>
/// The fitted <see cref="MlpTransformer"/> scores through an ONNX graph of the trained weights,
/// run by ML.NET's OnnxTransformer, so a saved model loads and scores in any process without
/// TorchSharp. Fits are serialized process-wide (libtorch's thread count and global random state
/// are process-wide): Fits started on several threads, with any <see cref="MLContext"/>s, run one
/// after the other and give the same weights as when run alone. Scoring is not serialized: a
/// fitted or loaded model serves many threads, each with its own <see cref="PredictionEngine{TSrc, TDst}"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var ml = new MLContext(seed: 1);
/// var pipeline = ml.Transforms.ScalePixels("Pixels", "Image")
///     .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
///     .Append(new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [256, 128] }));
/// var model = pipeline.Fit(train);
/// var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
/// </code>
/// </example>
public sealed partial class MlpTrainer : IEstimator<MlpTransformer>
{
    private const string ScoreColumnName = "Score";
    private const string PredictedLabelColumnName = "PredictedLabel";

    /// <summary>libtorch's thread count and random state are process-wide: one Fit at a time.</summary>
    private static readonly object FitLock = new();

    private readonly MLContext _mlContext;
    private readonly IHost _host;
    private readonly Options _options;

    /// <summary>Creates the trainer with all options.</summary>
    /// <param name="mlContext">The ML.NET context: its seed drives <see cref="Options.Seed"/> when unset, its log receives progress.</param>
    /// <param name="options">The options; copied, then validated (throws naming the first invalid option).</param>
    public MlpTrainer(MLContext mlContext, Options options)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        _mlContext = mlContext;
        _host = ((IHostEnvironment)mlContext).Register("MnistPipeline.Mlp");
        _options = options.Clone();
        _options.Validate();
    }

    /// <summary>Creates the trainer with the common options; the rest keep their defaults (see <see cref="Options"/>).</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="labelColumnName">The key-typed label column. Default "Label".</param>
    /// <param name="featureColumnName">The Single-vector feature column. Default "Features".</param>
    /// <param name="hiddenLayers">Units of each hidden layer. Default [256, 128].</param>
    /// <param name="epochs">Passes over the data. Default 10.</param>
    /// <param name="batchSize">Rows per step. Default 128.</param>
    /// <param name="learningRate">Initial learning rate. Default 0.002.</param>
    public MlpTrainer(MLContext mlContext,
        string labelColumnName = Defaults.LabelColumnName,
        string featureColumnName = Defaults.FeatureColumnName,
        int[]? hiddenLayers = null,
        int epochs = Defaults.Epochs,
        int batchSize = Defaults.BatchSize,
        double learningRate = Defaults.LearningRate)
        : this(mlContext, new Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            HiddenLayers = hiddenLayers ?? Defaults.HiddenLayers,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
        })
    {
    }

    /// <summary>Trains on <paramref name="input"/> (and <see cref="Options.ValidationData"/> if set).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No usable training rows, or the loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><see cref="Options.CancellationToken"/> was cancelled.</exception>
    public MlpTransformer Fit(IDataView input) => Fit(input, _options.ValidationData);

    /// <summary>Trains on <paramref name="trainData"/>, measuring <paramref name="validationData"/> after every epoch.</summary>
    public MlpTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var (featureCount, classCount) = CheckTrainingSchema(trainData.Schema, "training data");
        if (validationData is not null)
            CheckValidationSchema(validationData.Schema, featureCount, classCount);
        else if (_options.EarlyStoppingPatience is not null)
            throw new ArgumentException(
                "EarlyStoppingPatience needs validation data: set Options.ValidationData or call Fit(trainData, validationData).", nameof(validationData));

        lock (FitLock)
        {
            int previousThreads = torch.get_num_threads();
            try
            {
                if (_options.NumberOfThreads is int threads)
                    torch.set_num_threads(threads);
                return Train(trainData, validationData, featureCount, classCount);
            }
            finally
            {
                torch.set_num_threads(previousThreads);
            }
        }
    }

    /// <summary>
    /// The schema that <see cref="Fit(IDataView)"/> will produce: the input columns plus
    /// <c>Score</c> (vector of Single) and <c>PredictedLabel</c> (the label's key type).
    /// </summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckColumnShape(inputSchema, _options.FeatureColumnName, "feature", c =>
            c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Single, "Vector<Single, n>");
        CheckColumnShape(inputSchema, _options.LabelColumnName, "label", c =>
            c.IsKey && c.Kind == SchemaShape.Column.VectorKind.Scalar, "Key");
        // SchemaShape.Column cannot be constructed outside ML.NET: stock estimators describe our columns.
        var shapeOf = _mlContext.Transforms.Concatenate(ScoreColumnName, _options.FeatureColumnName)
            .Append(_mlContext.Transforms.CopyColumns(PredictedLabelColumnName, _options.LabelColumnName));
        return shapeOf.GetOutputSchema(inputSchema);
    }

    private MlpTransformer Train(IDataView trainData, IDataView? validationData, int featureCount, int classCount)
    {
        int seed = _options.Seed ?? _host.Rand.Next();
        var device = torch.device(_options.Device);
        using var channel = _host.Start("Training");
        var clock = Stopwatch.StartNew();

        using var train = TensorDataset.Load(trainData, _options.FeatureColumnName, featureCount, _options.LabelColumnName, classCount, device, _options.CancellationToken);
        if (train.Count == 0)
            throw new InvalidOperationException(
                $"The training data has no usable rows (rows with a missing label: {train.SkippedMissingLabel}, with non-finite features: {train.SkippedNonFinite}).");
        using var validation = validationData is null ? null
            : TensorDataset.Load(validationData, _options.FeatureColumnName, featureCount, _options.LabelColumnName, classCount, device, _options.CancellationToken);
        if (validation is { Count: 0 })
            throw new InvalidOperationException("The validation data has no usable rows.");
        double loadSeconds = clock.Elapsed.TotalSeconds;

        torch.manual_seed(seed); // dropout draws from the global generator
        using var generator = new Generator((ulong)seed);
        using var module = new MlpModule(featureCount, _options.HiddenLayers, classCount, _options.Activation, _options.Dropout);
        module.Initialize(_options.WeightInitialization, generator);
        module.to(device);
        LogHeader(channel, train, validation, featureCount, classCount, module, seed, loadSeconds);

        var loop = new MlpTrainingLoop(module, _options, classCount, generator, channel, device);
        var history = loop.Run(train, validation);

        var layers = module.ExportLayers();
        var labelColumn = trainData.Schema[_options.LabelColumnName];
        channel.Info(MessageSensitivity.None, Invariant($"Training finished in {clock.Elapsed.TotalSeconds:F1} s."));
        return new MlpTransformer(_mlContext, layers, _options.FeatureColumnName, labelColumn, history, trainData);
    }

    private void LogHeader(IChannel channel, TensorDataset train, TensorDataset? validation, int featureCount,
        int classCount, MlpModule module, int seed, double loadSeconds)
    {
        long parameters = module.parameters().Sum(p => p.numel());
        string hidden = _options.HiddenLayers.Length == 0 ? "none" : string.Join("-", _options.HiddenLayers);
        var o = _options;
        string validationRows = validation is null ? "" : Invariant($", {validation.Count:N0} validation rows");
        channel.Info(MessageSensitivity.None,
            Invariant($"MLP {featureCount}-{hidden}-{classCount} ({o.Activation}), {parameters:N0} parameters; ") +
            Invariant($"{train.Count:N0} training rows read in {loadSeconds:F2} s (skipped: {train.SkippedMissingLabel} with a missing label, {train.SkippedNonFinite} with non-finite features){validationRows}."));
        channel.Info(MessageSensitivity.None,
            Invariant($"Options: loss {o.Loss}, optimizer {o.Optimizer} (learning rate {o.LearningRate}, momentum {o.Momentum}, weight decay {o.WeightDecay}, schedule {o.LearningRateSchedule}), ") +
            Invariant($"batch {o.BatchSize}, epochs {o.Epochs}, shuffle {o.Shuffle}, init {o.WeightInitialization}, dropout {o.Dropout}, label smoothing {o.LabelSmoothing}, ") +
            Invariant($"seed {seed}, threads {torch.get_num_threads()}, device {o.Device}."));
    }

    private (int FeatureCount, int ClassCount) CheckTrainingSchema(DataViewSchema schema, string what)
    {
        int featureCount = CheckFeatureColumn(schema, _options.FeatureColumnName, what);
        var label = schema.GetColumnOrNull(_options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{_options.LabelColumnName}' not found in the {what}. Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (label.Type is not KeyDataViewType key || key.Count == 0)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Schema mismatch for label column '{_options.LabelColumnName}' in the {what}: expected Key, got {label.Type}. " +
                $"Convert the label first: mlContext.Transforms.Conversion.MapValueToKey(\"{_options.LabelColumnName}\").");
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Label column '{_options.LabelColumnName}': expected 2 or more classes, got a key type of count {key.Count}.");
        return (featureCount, (int)key.Count);
    }

    private void CheckValidationSchema(DataViewSchema schema, int featureCount, int classCount)
    {
        var (validationFeatures, validationClasses) = CheckTrainingSchema(schema, "validation data");
        if (validationFeatures != featureCount)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Schema mismatch for feature column '{_options.FeatureColumnName}' in the validation data: expected Vector<Single, {featureCount}> (as in the training data), got Vector<Single, {validationFeatures}>.");
        if (validationClasses != classCount)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Schema mismatch for label column '{_options.LabelColumnName}' in the validation data: expected Key with {classCount} values (as in the training data), got {validationClasses}.");
    }

    internal static int CheckFeatureColumn(DataViewSchema schema, string name, string what)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Feature column '{name}' not found in the {what}. Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
        if (column.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single || !vector.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Schema mismatch for feature column '{name}' in the {what}: expected a known-size vector of Single (e.g. Vector<Single, 784>), got {column.Type}.");
        return vector.Size;
    }

    private static void CheckColumnShape(SchemaShape shape, string name, string role, Func<SchemaShape.Column, bool> isValid, string expected)
    {
        var matches = shape.Where(c => c.Name == name).ToArray();
        if (matches.Length == 0)
            throw new ArgumentOutOfRangeException(nameof(shape), $"{char.ToUpperInvariant(role[0])}{role[1..]} column '{name}' not found.");
        var column = matches[^1];
        if (!isValid(column))
            throw new ArgumentOutOfRangeException(nameof(shape),
                $"Schema mismatch for {role} column '{name}': expected {expected}, got {InputColumnCheck.Describe(column)}." +
                (role == "label" ? $" Convert the label first: mlContext.Transforms.Conversion.MapValueToKey(\"{name}\")." : ""));
    }
}
