using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>ConvNetTrainer with <c>Options.Recommended()</c>, the defaults.</summary>
internal sealed class ConvNetRecommendedContender : ConvNetTrainerContender
{
    public override string Name => "convnet";

    protected override string Description => "ConvNetTrainer, Options.Recommended(): " + PlainConvNetRecipe.Recommended.Describe() + "; Fit on the IDataView";

    protected override ConvNetTrainer.Options CreateOptions() => ConvNetTrainer.Options.Recommended();
}
