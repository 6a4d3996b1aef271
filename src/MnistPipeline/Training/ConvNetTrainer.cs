using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Scoring;

namespace MnistPipeline.Training;

/// <summary>
/// Trains a convolutional network for multiclass classification of images with TorchSharp
/// (libtorch), as an ML.NET estimator. The architecture is a short list of layers
/// (<see cref="ConvNetTrainerOptionsBase.Layers"/>); presets: <see cref="Options.Recommended"/>
/// (the defaults) and <see cref="Options.LeNet5"/>.
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>Column</term><description>Type</description></listheader>
/// <item><term>Features (input)</term><description>the image: <c>Vector&lt;Single, H, W&gt;</c> (one channel, e.g. <c>ScalePixels</c>' 28 × 28), <c>Vector&lt;Single, C, H, W&gt;</c>, or a flat <c>Vector&lt;Single, C·H·W&gt;</c> with <see cref="ConvNetTrainerOptionsBase.ImageShape"/> set</description></item>
/// <item><term>Label (input, training only)</term><description>key type; the class count is its key count</description></item>
/// <item><term>Score (output)</term><description><c>Vector&lt;Single, k&gt;</c>: softmax probability of each class</description></item>
/// <item><term>PredictedLabel (output)</term><description>key type with the label's key values: the most probable class</description></item>
/// </list>
/// <para>Trainer characteristics:</para>
/// <list type="table">
/// <item><term>Machine learning task</term><description>multiclass classification</description></item>
/// <item><term>Is normalization required?</term><description>yes: scale pixels to about 0..1 (e.g. <c>ScalePixels</c>)</description></item>
/// <item><term>Is caching required?</term><description>no: the training data is read once into memory (4 bytes per pixel per row)</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>MnistPipeline, and a libtorch backend (e.g. TorchSharp-cpu) in the application</description></item>
/// <item><term>Exportable to ONNX</term><description>yes: <see cref="NetworkTransformer{TModel}.ExportOnnx(string)"/> (Conv, BatchNormalization, Relu, MaxPool, Gemm; opset 13)</description></item>
/// </list>
/// <para>
/// The fitted <see cref="ConvNetTransformer"/> scores through an ONNX graph of the trained
/// weights, run by ML.NET's OnnxTransformer, so a saved model loads and scores in any process with
/// only MnistPipeline.Scoring (no TorchSharp). Its <see cref="NetworkTransformer{TModel}.Model"/> is
/// the trained <see cref="ConvNetModelParameters"/>: pass them to
/// <see cref="NetworkTrainer{TTransformer, TModel}.Fit(IDataView, TModel)"/> to continue training (warm start). Training
/// options, validation with early stopping, callbacks, seeding, threads, device and cancellation
/// are those of every network trainer (<see cref="NetworkTrainerOptions"/>); Fits are serialized
/// process-wide, as <see cref="MlpTrainer"/>'s.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var ml = new MLContext(seed: 1);
/// var pipeline = ml.Transforms.ScalePixels("Features", "Image")      // Vector&lt;Single, 28, 28&gt;: the image shape comes from the column
///     .Append(new ConvNetTrainer(ml, ConvNetTrainer.Options.LeNet5()));
/// var model = pipeline.Fit(train);
/// var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
/// </code>
/// </example>
public sealed partial class ConvNetTrainer : NetworkTrainer<ConvNetTransformer, ConvNetModelParameters>
{
    private readonly Options _options;

    /// <summary>Creates the trainer with all options.</summary>
    /// <param name="mlContext">The ML.NET context: its seed drives <see cref="NetworkTrainerOptions.Seed"/> when unset, its log receives progress, its <see cref="MLContext.GpuDeviceId"/> picks the device.</param>
    /// <param name="options">The options; copied, then validated (throws naming the first invalid option).</param>
    public ConvNetTrainer(MLContext mlContext, Options options)
        : base(mlContext, CheckedOptions.Of(options), "MnistPipeline.ConvNet")
    {
        _options = (Options)TrainerOptions;
    }

    /// <summary>Creates the trainer with the common options; the rest keep their defaults (see <see cref="Options"/>).</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="labelColumnName">The key-typed label column. Default "Label".</param>
    /// <param name="featureColumnName">The image column (see <see cref="ConvNetTrainerOptionsBase.ImageShape"/>). Default "Features".</param>
    /// <param name="layers">The architecture. Default: see <see cref="ConvNetTrainerOptionsBase.Layers"/>.</param>
    /// <param name="epochs">Passes over the data. Default 6.</param>
    /// <param name="batchSize">Rows per step. Default 128.</param>
    /// <param name="learningRate">Initial learning rate. Default 0.002.</param>
    public ConvNetTrainer(MLContext mlContext,
        string labelColumnName = NetworkDefaults.LabelColumnName,
        string featureColumnName = NetworkDefaults.FeatureColumnName,
        ConvNetLayerSpec[]? layers = null,
        int epochs = ConvNetDefaults.Epochs,
        int batchSize = NetworkDefaults.BatchSize,
        double learningRate = NetworkDefaults.LearningRate)
        : this(mlContext, new Options
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Layers = layers ?? ConvNetDefaults.Layers,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
        })
    {
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The feature column is not an image of the expected shape (the message names the column, <see cref="ConvNetTrainerOptionsBase.ImageShape"/> and both shapes).</exception>
    /// <exception cref="ArgumentException">A kernel or pooling window of <see cref="ConvNetTrainerOptionsBase.Layers"/> does not fit the image it reads, or the warm-start network's layers are not the options' (the message names the layer).</exception>
    public override ConvNetTransformer Fit(IDataView trainData, IDataView? validationData, ConvNetModelParameters? modelParameters)
    {
        var (model, history, label, calibration) = ConvNetFit.Run(MLContext, Host, _options, trainData, validationData, modelParameters, LabelKind.Key,
            label => TrainingTask.Multiclass((int)((KeyDataViewType)label.Type).Count, _options.Loss, _options.LabelSmoothing));
        return new ConvNetTransformer(MLContext, model, _options.FeatureColumnName,
            new ScoringColumns(_options.ScoreColumnName, _options.PredictedLabelColumnName, Probability: ""), label, history)
        {
            Calibration = calibration,
        };
    }

    /// <inheritdoc />
    /// <remarks>A schema shape does not carry vector dimensions: the image shape is checked at <c>Fit</c>.</remarks>
    public override SchemaShape GetOutputSchema(SchemaShape inputSchema) => TrainerOutputSchema.Multiclass(MLContext, inputSchema,
        _options.FeatureColumnName, _options.LabelColumnName, _options.ScoreColumnName, _options.PredictedLabelColumnName);
}
