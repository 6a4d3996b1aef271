using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Scoring;

namespace MnistPipeline.Training;

/// <summary>
/// Trains a multilayer perceptron for binary classification with TorchSharp (libtorch), as an
/// ML.NET estimator whose outputs are those of ML.NET's binary classifiers.
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>Column</term><description>Type</description></listheader>
/// <item><term>Features (input)</term><description>known-size vector of <see cref="float"/></description></item>
/// <item><term>Label (input, training only)</term><description><see cref="bool"/></description></item>
/// <item><term>Score (output)</term><description><see cref="float"/>: the logit (unbounded; &gt; 0 means true)</description></item>
/// <item><term>Probability (output)</term><description><see cref="float"/>: the calibrated probability of true</description></item>
/// <item><term>PredictedLabel (output)</term><description><see cref="bool"/>: <c>Score &gt; 0</c></description></item>
/// </list>
/// <para>Trainer characteristics:</para>
/// <list type="table">
/// <item><term>Machine learning task</term><description>binary classification</description></item>
/// <item><term>Is normalization required?</term><description>yes: standardize the features (<c>NormalizeMeanVariance</c>) or scale them to about 0..1</description></item>
/// <item><term>Is caching required?</term><description>no: the training data is read once into memory</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>MnistPipeline, and a libtorch backend (e.g. TorchSharp-cpu) in the application</description></item>
/// <item><term>Exportable to ONNX</term><description>yes: <see cref="NetworkTransformer{TModel}.ExportOnnx(string)"/></description></item>
/// </list>
/// <para>
/// Trained with the logistic loss (cross-entropy of the sigmoid). <c>mlContext.BinaryClassification.Evaluate</c>
/// and <c>CrossValidate</c> work on its output as on ML.NET's own binary classifiers.
/// Everything else (warm start, saving, scoring) is as for <see cref="MlpTrainer"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
///     .Append(new MlpBinaryTrainer(ml, labelColumnName: "IsMalignant", hiddenLayers: [64, 32]));
/// var cv = ml.BinaryClassification.CrossValidate(data, pipeline, numberOfFolds: 5, labelColumnName: "IsMalignant");
/// </code>
/// </example>
public sealed class MlpBinaryTrainer : NetworkTrainer<MlpBinaryTransformer, MlpModelParameters>
{
    private readonly Options _options;

    /// <summary>Options of <see cref="MlpBinaryTrainer"/>; a new instance holds the defaults (256-128 ReLU, Adam 0.002 with cosine decay, batch 128, 10 shuffled epochs).</summary>
    public sealed class Options : MlpTrainerOptionsBase
    {
        /// <summary>Name of the probability column the fitted transformer adds. Default "Probability".</summary>
        public string ProbabilityColumnName { get; set; } = NetworkDefaults.ProbabilityColumnName;

        /// <summary>Name of the predicted-label column (Boolean) the fitted transformer adds. Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = NetworkDefaults.PredictedLabelColumnName;

        internal override IReadOnlyList<(string Option, string Column)> OutputColumns =>
            [(nameof(ScoreColumnName), ScoreColumnName), (nameof(ProbabilityColumnName), ProbabilityColumnName),
             (nameof(PredictedLabelColumnName), PredictedLabelColumnName)];

        internal override void Validate()
        {
            base.Validate();
            ValidateOutputColumns();
        }
    }

    /// <summary>Creates the trainer with all options.</summary>
    /// <param name="mlContext">The ML.NET context (seed, log, device).</param>
    /// <param name="options">The options; copied, then validated (throws naming the first invalid option).</param>
    public MlpBinaryTrainer(MLContext mlContext, Options options)
        : base(mlContext, CheckedOptions.Of(options), "MnistPipeline.MlpBinary")
    {
        _options = (Options)TrainerOptions;
    }

    /// <summary>Creates the trainer with the common options; the rest keep their defaults (see <see cref="Options"/>).</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="labelColumnName">The Boolean label column. Default "Label".</param>
    /// <param name="featureColumnName">The Single-vector feature column. Default "Features".</param>
    /// <param name="hiddenLayers">Units of each hidden layer. Default [256, 128].</param>
    /// <param name="epochs">Passes over the data. Default null: automatic (see <see cref="NetworkTrainerOptions.Epochs"/>).</param>
    /// <param name="batchSize">Rows per step. Default null: automatic (see <see cref="NetworkTrainerOptions.BatchSize"/>).</param>
    /// <param name="learningRate">Initial learning rate. Default 0.002.</param>
    public MlpBinaryTrainer(MLContext mlContext,
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
    public override MlpBinaryTransformer Fit(IDataView trainData, IDataView? validationData, MlpModelParameters? modelParameters)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        int featureCount = ColumnCheck.FeatureVector(trainData.Schema, _options.FeatureColumnName, "training data");
        ColumnCheck.Label(trainData.Schema, _options.LabelColumnName, LabelKind.Boolean, "training data");
        TrainerChecks.Validation(_options, validationData, featureCount, LabelKind.Boolean, classCount: 0);

        var task = TrainingTask.Binary();
        var recipe = MlpRecipe.For(_options, task.Task, featureCount, outputSize: 1, modelParameters);
        var result = NetworkFit.Run(MLContext, Host, _options, task, recipe, trainData, validationData, featureCount, modelParameters);
        return new MlpBinaryTransformer(MLContext, (MlpModelParameters)result.Model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, _options.PredictedLabelColumnName, _options.ProbabilityColumnName), result.History)
        {
            Calibration = result.Calibration,
        };
    }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Binary(MLContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName, _options.ProbabilityColumnName, _options.PredictedLabelColumnName);
}
