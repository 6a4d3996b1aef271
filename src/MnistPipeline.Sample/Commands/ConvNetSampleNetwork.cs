using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using static System.FormattableString;

namespace MnistPipeline.Sample.Commands;

/// <summary>
/// <c>--network cnn</c> (ConvNetTrainer's recommended network) or <c>--network lenet5</c>: the
/// 28 × 28 image of <c>ScalePixels</c> feeds the network directly.
/// </summary>
internal sealed class ConvNetSampleNetwork : SampleNetwork
{
    private readonly ConvNetTrainer.Options _options;
    private ConvNetTrainer? _trainer;

    public ConvNetSampleNetwork(TrainSettings settings)
    {
        if (settings.Preset is not null || settings.HiddenLayers is not null)
            throw new UsageException($"--{(settings.Preset is not null ? "preset" : "hidden")} applies to --network {Mlp}; --network {settings.Network} trains the ConvNet's own layers.");
        Name = settings.Network;
        Preset = Name == LeNet5 ? "lenet5" : "recommended";
        _options = Name == LeNet5 ? ConvNetTrainer.Options.LeNet5() : ConvNetTrainer.Options.Recommended();
        _options.Loss = settings.Loss ?? _options.Loss;
    }

    public override string Name { get; }

    public override string Preset { get; }

    public override NetworkTrainerOptions Options => _options;

    public override ClassificationLoss Loss => _options.Loss;

    public override string Activation => _options.Activation.ToString();

    public override string WeightInitialization => _options.WeightInitialization.ToString();

    public override string LogSource => "MnistPipeline.ConvNet";

    public override string Describe()
    {
        var o = _options;
        return Invariant($"{string.Join(", ", o.Layers.Select(l => l.ToString()))} {o.Activation}, {o.Optimizer} {o.LearningRate} {o.LearningRateSchedule}, ") +
            Invariant($"{SampleCommandLine.Hyphenate(o.Loss.ToString())}, batch {o.BatchSize}, {o.Epochs} epochs{(o.Shuffle ? ", shuffled" : ", no shuffling")}");
    }

    public override IEstimator<ITransformer> Preprocessing(MLContext ml) => ml.Transforms.ScalePixels("Features", "Image");

    public override void CreateTrainer(MLContext ml) => _trainer = new ConvNetTrainer(ml, _options);

    public override Trained Fit(MLContext ml, IDataView train)
    {
        var convnet = (_trainer ?? new ConvNetTrainer(ml, _options)).Fit(train);
        var model = convnet.Model;
        return new Trained(convnet, convnet.TrainingHistory, model, model.ToString(),
            model.DenseLayers.Take(model.DenseLayers.Count - 1).Select(l => l.OutputSize).ToArray(), convnet.Calibration);
    }
}
