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
public sealed class ConvNetRegressionTrainer : IEstimator<ConvNetRegressionTransformer>
{
    private readonly MLContext _mlContext;
    private readonly IHost _host;
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
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        _mlContext = mlContext;
        _host = ((IHostEnvironment)mlContext).Register("MnistPipeline.ConvNetRegression");
        _options = (Options)options.Clone();
        _options.Validate();
    }

    /// <summary>Trains on <paramref name="input"/> (and <see cref="NetworkTrainerOptions.ValidationData"/> if set).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the feature column is not an image of the expected shape.</exception>
    /// <exception cref="InvalidOperationException">No usable training rows, or the loss became NaN or infinite.</exception>
    public ConvNetRegressionTransformer Fit(IDataView input) => Fit(input, _options.ValidationData, null);

    /// <summary>Trains on <paramref name="trainData"/>, measuring <paramref name="validationData"/> after every epoch.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">Data to measure after every epoch; null for none.</param>
    public ConvNetRegressionTransformer Fit(IDataView trainData, IDataView? validationData) => Fit(trainData, validationData, null);

    /// <summary>Continues training from <paramref name="modelParameters"/> (warm start); see <see cref="ConvNetTrainer.Fit(IDataView, ConvNetModelParameters)"/>.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="modelParameters">The weights to start from: a regression network.</param>
    public ConvNetRegressionTransformer Fit(IDataView trainData, ConvNetModelParameters modelParameters)
        => Fit(trainData, _options.ValidationData, modelParameters ?? throw new ArgumentNullException(nameof(modelParameters)));

    /// <summary>Trains with validation data, from <paramref name="modelParameters"/> when given (warm start; the starting model's target scale is kept).</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">Data to measure after every epoch; null for none.</param>
    /// <param name="modelParameters">The weights to start from: a regression network; null for a fresh network.</param>
    public ConvNetRegressionTransformer Fit(IDataView trainData, IDataView? validationData, ConvNetModelParameters? modelParameters)
    {
        var (model, history, _) = ConvNetFit.Run(_mlContext, _host, _options, trainData, validationData, modelParameters, LabelKind.Single,
            _ => TrainingTask.Regression(_options.Loss, _options.HuberDelta));
        return new ConvNetRegressionTransformer(_mlContext, model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, PredictedLabel: "", Probability: ""), history);
    }

    /// <summary>The schema that <see cref="Fit(IDataView)"/> will produce: the input columns plus the score (Single).</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Regression(_mlContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName);
}
