using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Scoring;

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
/// <item><term>Is normalization required?</term><description>yes: scale features to about 0..1 (e.g. <c>ScalePixels</c>) or standardize them (<c>NormalizeMeanVariance</c>)</description></item>
/// <item><term>Is caching required?</term><description>no: the training data is read once into memory (4 bytes per feature per row)</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>MnistPipeline, and a libtorch backend (e.g. TorchSharp-cpu) in the application</description></item>
/// <item><term>Exportable to ONNX</term><description>yes: <see cref="NetworkTransformer{TModel}.ExportOnnx(string)"/></description></item>
/// </list>
/// <para>
/// The fitted <see cref="MlpTransformer"/> scores through an ONNX graph of the trained weights,
/// run by ML.NET's OnnxTransformer, so a saved model loads and scores in any process with only
/// MnistPipeline.Scoring (no TorchSharp). Its <see cref="NetworkTransformer{TModel}.Model"/> is the
/// trained <see cref="MlpModelParameters"/>: pass them to <c>Fit(trainData, modelParameters)</c>
/// to continue training (warm start). Fits are serialized process-wide (libtorch's thread count
/// and global random state are process-wide): Fits started on several threads, with any
/// <see cref="MLContext"/>s, run one after the other and give the same weights as when run alone.
/// Scoring is not serialized: a fitted or loaded model serves many threads, each with its own
/// <see cref="PredictionEngine{TSrc, TDst}"/>.
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
public sealed partial class MlpTrainer : NetworkTrainer<MlpTransformer, MlpModelParameters>
{
    private readonly Options _options;

    /// <summary>Creates the trainer with all options.</summary>
    /// <param name="mlContext">The ML.NET context: its seed drives <see cref="NetworkTrainerOptions.Seed"/> when unset, its log receives progress, its <see cref="MLContext.GpuDeviceId"/> picks the device.</param>
    /// <param name="options">The options; copied, then validated (throws naming the first invalid option).</param>
    public MlpTrainer(MLContext mlContext, Options options)
        : base(mlContext, CheckedOptions.Of(options), "MnistPipeline.Mlp")
    {
        _options = (Options)TrainerOptions;
    }

    /// <summary>Creates the trainer with the common options; the rest keep their defaults (see <see cref="Options"/>).</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="labelColumnName">The key-typed label column. Default "Label".</param>
    /// <param name="featureColumnName">The Single-vector feature column. Default "Features".</param>
    /// <param name="hiddenLayers">Units of each hidden layer. Default [256, 128].</param>
    /// <param name="epochs">Passes over the data. Default null: automatic (see <see cref="NetworkTrainerOptions.Epochs"/>).</param>
    /// <param name="batchSize">Rows per step. Default null: automatic (see <see cref="NetworkTrainerOptions.BatchSize"/>).</param>
    /// <param name="learningRate">Initial learning rate. Default 0.002.</param>
    public MlpTrainer(MLContext mlContext,
        string labelColumnName = NetworkDefaults.LabelColumnName,
        string featureColumnName = NetworkDefaults.FeatureColumnName,
        int[]? hiddenLayers = null,
        int? epochs = null,
        int? batchSize = null,
        double learningRate = NetworkDefaults.LearningRate)
        : this(mlContext, new Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            HiddenLayers = hiddenLayers ?? NetworkDefaults.HiddenLayers,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
        })
    {
    }

    /// <inheritdoc />
    public override MlpTransformer Fit(IDataView trainData, IDataView? validationData, MlpModelParameters? modelParameters)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        int featureCount = ColumnCheck.FeatureVector(trainData.Schema, _options.FeatureColumnName, "training data");
        var label = ColumnCheck.Label(trainData.Schema, _options.LabelColumnName, LabelKind.Key, "training data");
        int classCount = (int)((KeyDataViewType)label.Type).Count;
        TrainerChecks.Validation(_options, validationData, featureCount, LabelKind.Key, classCount);

        var task = TrainingTask.Multiclass(classCount, _options.Loss, _options.LabelSmoothing);
        var recipe = MlpRecipe.For(_options, task.Task, featureCount, classCount, modelParameters);
        var result = NetworkFit.Run(MLContext, Host, _options, task, recipe, trainData, validationData, featureCount, modelParameters);
        return new MlpTransformer(MLContext, (MlpModelParameters)result.Model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, _options.PredictedLabelColumnName, Probability: ""), label, result.History)
        {
            Calibration = result.Calibration,
        };
    }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Multiclass(MLContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName, _options.PredictedLabelColumnName);
}
