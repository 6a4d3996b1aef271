using Microsoft.ML;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Scoring;

namespace MnistPipeline.Training;

/// <summary>
/// Trains a multilayer perceptron for regression with TorchSharp (libtorch), as an ML.NET
/// estimator whose output is that of ML.NET's regressors.
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>Column</term><description>Type</description></listheader>
/// <item><term>Features (input)</term><description>known-size vector of <see cref="float"/></description></item>
/// <item><term>Label (input, training only)</term><description><see cref="float"/>; rows whose label is NaN or infinite are skipped</description></item>
/// <item><term>Score (output)</term><description><see cref="float"/>: the prediction, in the label's units</description></item>
/// </list>
/// <para>Trainer characteristics:</para>
/// <list type="table">
/// <item><term>Machine learning task</term><description>regression</description></item>
/// <item><term>Is normalization required?</term><description>the features: yes (<c>NormalizeMeanVariance</c>); the label: no, it is standardized inside the trainer and the scale is part of the model</description></item>
/// <item><term>Is caching required?</term><description>no: the training data is read once into memory</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>MnistPipeline, and a libtorch backend (e.g. TorchSharp-cpu) in the application</description></item>
/// <item><term>Exportable to ONNX</term><description>yes: <see cref="NetworkTransformer{TModel}.ExportOnnx(string)"/></description></item>
/// </list>
/// <para>
/// The network learns the standardized label, <c>(label − mean) / std</c> of the training rows,
/// and the ONNX graph multiplies and adds them back, so users need no target normalization and
/// <c>mlContext.Regression.Evaluate</c> reports errors in the label's units. Losses (and
/// <see cref="Options.HuberDelta"/>) are therefore in standard deviations of the label. A warm
/// start keeps the starting model's scale, so its weights keep their meaning.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var pipeline = ml.Transforms.NormalizeMeanVariance("Features")
///     .Append(new MlpRegressionTrainer(ml, new MlpRegressionTrainer.Options { HiddenLayers = [64, 32], Loss = RegressionLoss.Huber }));
/// var metrics = ml.Regression.Evaluate(pipeline.Fit(train).Transform(test));
/// </code>
/// </example>
public sealed class MlpRegressionTrainer : NetworkTrainer<MlpRegressionTransformer, MlpModelParameters>
{
    private readonly Options _options;

    /// <summary>Options of <see cref="MlpRegressionTrainer"/>; a new instance holds the defaults (256-128 ReLU, squared error, Adam 0.002 with cosine decay, batch 128, 10 shuffled epochs).</summary>
    public sealed class Options : MlpTrainerOptionsBase
    {
        /// <summary>The loss to minimize. Default <see cref="RegressionLoss.SquaredError"/>.</summary>
        public RegressionLoss Loss { get; set; } = NetworkDefaults.RegressionLoss;

        /// <summary>
        /// Where the Huber loss turns from squared to absolute, in standard deviations of the label;
        /// finite and &gt; 0. Used only with <see cref="RegressionLoss.Huber"/>. Default 1.
        /// </summary>
        public double HuberDelta { get; set; } = NetworkDefaults.HuberDelta;

        internal override IReadOnlyList<(string Option, string Column)> OutputColumns => [(nameof(ScoreColumnName), ScoreColumnName)];

        internal override void Validate()
        {
            base.Validate();
            OptionCheck.Defined(Loss, nameof(Loss));
            OptionCheck.PositiveFinite(HuberDelta, nameof(HuberDelta));
            ValidateOutputColumns();
        }
    }

    /// <summary>Creates the trainer with all options.</summary>
    /// <param name="mlContext">The ML.NET context (seed, log, device).</param>
    /// <param name="options">The options; copied, then validated (throws naming the first invalid option).</param>
    public MlpRegressionTrainer(MLContext mlContext, Options options)
        : base(mlContext, CheckedOptions.Of(options), "MnistPipeline.MlpRegression")
    {
        _options = (Options)TrainerOptions;
    }

    /// <summary>Creates the trainer with the common options; the rest keep their defaults (see <see cref="Options"/>).</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="labelColumnName">The Single label column. Default "Label".</param>
    /// <param name="featureColumnName">The Single-vector feature column. Default "Features".</param>
    /// <param name="hiddenLayers">Units of each hidden layer. Default [256, 128].</param>
    /// <param name="epochs">Passes over the data. Default null: automatic (see <see cref="NetworkTrainerOptions.Epochs"/>).</param>
    /// <param name="batchSize">Rows per step. Default null: automatic (see <see cref="NetworkTrainerOptions.BatchSize"/>).</param>
    /// <param name="learningRate">Initial learning rate. Default 0.002.</param>
    public MlpRegressionTrainer(MLContext mlContext,
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
    public override MlpRegressionTransformer Fit(IDataView trainData, IDataView? validationData, MlpModelParameters? modelParameters)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        int featureCount = ColumnCheck.FeatureVector(trainData.Schema, _options.FeatureColumnName, "training data");
        ColumnCheck.Label(trainData.Schema, _options.LabelColumnName, LabelKind.Single, "training data");
        TrainerChecks.Validation(_options, validationData, featureCount, LabelKind.Single, classCount: 0);

        var task = TrainingTask.Regression(_options.Loss, _options.HuberDelta);
        var recipe = MlpRecipe.For(_options, task.Task, featureCount, outputSize: 1, modelParameters);
        var result = NetworkFit.Run(MLContext, Host, _options, task, recipe, trainData, validationData, featureCount, modelParameters);
        return new MlpRegressionTransformer(MLContext, (MlpModelParameters)result.Model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, PredictedLabel: "", Probability: ""), result.History);
    }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Regression(MLContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName);
}
