using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>MlpTrainer with <c>Options.Recommended()</c>.</summary>
internal sealed class MlpRecommendedContender : MlpTrainerContender
{
    public override string Name => "mlp-recommended";

    protected override string Description => "MlpTrainer, Options.Recommended(): " + PlainMlpRecipe.Recommended.Describe() + "; Fit on the IDataView";

    protected override MlpTrainer.Options CreateOptions() => MlpTrainer.Options.Recommended();
}
