using Microsoft.ML;
using MnistPipeline.Sample.Model;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using static System.FormattableString;

namespace MnistPipeline.Sample.Commands;

/// <summary><c>--network mlp</c>: MlpTrainer on the flattened image, preset tutorial, recommended, best or defaults.</summary>
internal sealed class MlpSampleNetwork : SampleNetwork
{
    private readonly MlpTrainer.Options _options;
    private MlpTrainer? _trainer;

    public MlpSampleNetwork(TrainSettings settings)
    {
        Preset = settings.Preset ?? "tutorial";
        _options = Preset switch
        {
            "recommended" => MlpTrainer.Options.Recommended(),
            "best" => MlpTrainer.Options.Best(),
            "defaults" => new MlpTrainer.Options(),
            _ => MlpTrainer.Options.Tutorial(),
        };
        _options.Loss = settings.Loss ?? _options.Loss;
        _options.HiddenLayers = settings.HiddenLayers ?? _options.HiddenLayers;
    }

    public override string Name => Mlp;

    public override string Preset { get; }

    public override NetworkTrainerOptions Options => _options;

    public override ClassificationLoss Loss => _options.Loss;

    public override string Activation => _options.Activation.ToString();

    public override string WeightInitialization => _options.WeightInitialization.ToString();

    public override string LogSource => "MnistPipeline.Mlp";

    public override string Describe()
    {
        var o = _options;
        return Invariant($"{(o.HiddenLayers.Length == 0 ? "no hidden layer" : string.Join("-", o.HiddenLayers))} {o.Activation}, {o.Optimizer} {o.LearningRate} {o.LearningRateSchedule}, ") +
            Invariant($"{SampleCommandLine.Hyphenate(o.Loss.ToString())}, batch {o.BatchSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "automatic"}, ") +
            Invariant($"{o.Epochs?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "automatic"} epochs{(o.Shuffle ? ", shuffled" : ", no shuffling")}") +
            (o.Dropout > 0 ? Invariant($", dropout {o.Dropout}") : "") + (o.Augmentation is null ? "" : ", augmented images");
    }

    public override IEstimator<ITransformer> Preprocessing(MLContext ml)
        => ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels"));

    public override void CreateTrainer(MLContext ml) => _trainer = new MlpTrainer(ml, _options);

    public override Trained Fit(MLContext ml, IDataView train)
    {
        var mlp = (_trainer ?? new MlpTrainer(ml, _options)).Fit(train);
        return new Trained(mlp, mlp.TrainingHistory, mlp.Model,
            Invariant($"{DigitModel.PixelCount}-{string.Join("-", mlp.Model.Layers.Select(l => l.OutputSize))}"), mlp.Model.HiddenLayers.ToArray(), mlp.Calibration);
    }
}
