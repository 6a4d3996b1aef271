using Microsoft.ML;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Scoring;

namespace MnistPipeline.Training;

/// <summary>
/// Trains a convolutional network for regression on images with TorchSharp (libtorch), as an
/// ML.NET estimator whose output is that of ML.NET's regressors.
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>Column</term><description>Type</description></listheader>
/// <item><term>Features (input)</term><description>the image, as for <see cref="ConvNetTrainer"/></description></item>
/// <item><term>Label (input, training only)</term><description><see cref="float"/>; rows whose label is NaN or infinite are skipped</description></item>
/// <item><term>Score (output)</term><description><see cref="float"/>: the prediction, in the label's units</description></item>
/// </list>
/// <para>
/// The network's output layer is one unit that learns the standardized label, and the ONNX graph
/// scales it back, as <see cref="MlpRegressionTrainer"/> does (losses are in standard deviations of
/// the label). Architecture, image shape and every other option, warm start, saving and scoring
/// are as for <see cref="ConvNetTrainer"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var pipeline = ml.Transforms.ScalePixels("Features", "Image")
///     .Append(new ConvNetRegressionTrainer(ml, new ConvNetRegressionTrainer.Options { LabelColumnName = "Angle" }));
/// var metrics = ml.Regression.Evaluate(pipeline.Fit(train).Transform(test), "Angle");
/// </code>
/// </example>
public sealed class ConvNetRegressionTrainer : NetworkTrainer<ConvNetRegressionTransformer, ConvNetModelParameters>
{
    private readonly Options _options;

    /// <summary>Options of <see cref="ConvNetRegressionTrainer"/>; a new instance holds the defaults of <see cref="ConvNetTrainerOptionsBase"/> and squared error.</summary>
    public sealed class Options : ConvNetTrainerOptionsBase
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
    public ConvNetRegressionTrainer(MLContext mlContext, Options options)
        : base(mlContext, CheckedOptions.Of(options), "MnistPipeline.ConvNetRegression")
    {
        _options = (Options)TrainerOptions;
    }

    /// <inheritdoc />
    public override ConvNetRegressionTransformer Fit(IDataView trainData, IDataView? validationData, ConvNetModelParameters? modelParameters)
    {
        var (model, history, _, _) = ConvNetFit.Run(MLContext, Host, _options, trainData, validationData, modelParameters, LabelKind.Single,
            _ => TrainingTask.Regression(_options.Loss, _options.HuberDelta));
        return new ConvNetRegressionTransformer(MLContext, model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, PredictedLabel: "", Probability: ""), history);
    }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Regression(MLContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName);
}
