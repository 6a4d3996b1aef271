using Microsoft.ML;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Scoring;

namespace MnistPipeline.Training;

/// <summary>
/// Trains a convolutional network for binary classification of images with TorchSharp
/// (libtorch), as an ML.NET estimator whose outputs are those of ML.NET's binary classifiers.
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>Column</term><description>Type</description></listheader>
/// <item><term>Features (input)</term><description>the image, as for <see cref="ConvNetTrainer"/></description></item>
/// <item><term>Label (input, training only)</term><description><see cref="bool"/></description></item>
/// <item><term>Score (output)</term><description><see cref="float"/>: the logit (unbounded; &gt; 0 means true)</description></item>
/// <item><term>Probability (output)</term><description><see cref="float"/>: the calibrated probability of true</description></item>
/// <item><term>PredictedLabel (output)</term><description><see cref="bool"/>: <c>Score &gt; 0</c></description></item>
/// </list>
/// <para>
/// The network's output layer is one unit, trained with the logistic loss. Architecture, image
/// shape and every other option, warm start, saving and scoring are as for <see cref="ConvNetTrainer"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var pipeline = ml.Transforms.ScalePixels("Features", "Image")
///     .Append(new ConvNetBinaryTrainer(ml, new ConvNetBinaryTrainer.Options { LabelColumnName = "IsSeven" }));
/// var metrics = ml.BinaryClassification.Evaluate(pipeline.Fit(train).Transform(test), "IsSeven");
/// </code>
/// </example>
public sealed class ConvNetBinaryTrainer : NetworkTrainer<ConvNetBinaryTransformer, ConvNetModelParameters>
{
    private readonly Options _options;

    /// <summary>Options of <see cref="ConvNetBinaryTrainer"/>; a new instance holds the defaults of <see cref="ConvNetTrainerOptionsBase"/>.</summary>
    public sealed class Options : ConvNetTrainerOptionsBase
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
    public ConvNetBinaryTrainer(MLContext mlContext, Options options)
        : base(mlContext, CheckedOptions.Of(options), "MnistPipeline.ConvNetBinary")
    {
        _options = (Options)TrainerOptions;
    }

    /// <inheritdoc />
    public override ConvNetBinaryTransformer Fit(IDataView trainData, IDataView? validationData, ConvNetModelParameters? modelParameters)
    {
        var (model, history, _, calibration) = ConvNetFit.Run(MLContext, Host, _options, trainData, validationData, modelParameters, LabelKind.Boolean,
            _ => TrainingTask.Binary());
        return new ConvNetBinaryTransformer(MLContext, model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, _options.PredictedLabelColumnName, _options.ProbabilityColumnName), history)
        {
            Calibration = calibration,
        };
    }

    /// <inheritdoc />
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Binary(MLContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName, _options.ProbabilityColumnName, _options.PredictedLabelColumnName);
}
