using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>MlpTrainer with <c>Options.Best()</c>: the most accurate recipe, with augmentation.</summary>
internal sealed class MlpBestContender : MlpTrainerContender
{
    public override string Name => "mlp-best";

    protected override string Description =>
        "MlpTrainer, Options.Best(): 784-1024-1024-10 ReLU, dropout 0.2, Adam 0.001 with cosine decay, batch 128, 18 epochs, " +
        "every batch's images shifted ±2 px, rotated ±10°, scaled ±10%; 5% of the training images kept out to fit the temperature; Fit on the IDataView";

    protected override MlpTrainer.Options CreateOptions() => MlpTrainer.Options.Best();
}
