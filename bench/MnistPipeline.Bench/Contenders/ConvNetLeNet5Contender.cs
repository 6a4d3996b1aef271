using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>ConvNetTrainer with <c>Options.LeNet5()</c>.</summary>
internal sealed class ConvNetLeNet5Contender : ConvNetTrainerContender
{
    public override string Name => "convnet-lenet5";

    protected override string Description => "ConvNetTrainer, Options.LeNet5(): " + PlainConvNetRecipe.LeNet5.Describe() + "; Fit on the IDataView";

    protected override ConvNetTrainer.Options CreateOptions() => ConvNetTrainer.Options.LeNet5();
}
