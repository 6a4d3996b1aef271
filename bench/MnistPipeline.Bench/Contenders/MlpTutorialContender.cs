using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>MlpTrainer with <c>Options.Tutorial()</c>: the recipe the plain loop repeats, so their epoch times compare our overhead.</summary>
internal sealed class MlpTutorialContender : MlpTrainerContender
{
    public override string Name => "mlp-tutorial";

    protected override string Description => "MlpTrainer, Options.Tutorial(): " + PlainMlpRecipe.Tutorial.Describe() + "; Fit on the IDataView";

    protected override MlpTrainer.Options CreateOptions() => MlpTrainer.Options.Tutorial();
}
