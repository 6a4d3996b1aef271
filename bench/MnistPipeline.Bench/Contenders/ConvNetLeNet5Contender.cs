using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>ConvNetTrainer with <c>Options.LeNet5()</c>.</summary>
internal sealed class ConvNetLeNet5Contender : ConvNetTrainerContender
{
    public override string Name => "convnet-lenet5";

    protected override string Description => "ConvNetTrainer, Options.LeNet5(): " + PlainConvNetRecipe.LeNet5.Describe() + "; every image trains (ValidationFraction 0, as the plain loop); Fit on the IDataView";

    // Every one of the 60,000 images trains, as in the plain loop it is timed against: the preset's
    // 5% kept out for the calibration temperature would make its epoch 5% shorter than the peer's.
    // The temperature is then fitted on training rows, so this row's log-loss is not the preset's.
    protected override ConvNetTrainer.Options CreateOptions()
    {
        var options = ConvNetTrainer.Options.LeNet5();
        options.ValidationFraction = 0;
        return options;
    }
}
