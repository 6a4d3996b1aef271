namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// A training recipe of the plain TorchSharp loop, written out by hand (not read from
/// MlpTrainer.Options, so that the reference does not depend on the code it measures).
/// </summary>
internal sealed record PlainMlpRecipe(
    string Name,
    int BatchSize,
    bool Shuffle,
    bool Adam,
    double LearningRate,
    bool CosineSchedule,
    bool SquaredError,
    int Epochs) : IPlainRecipe
{
    public static readonly int[] Layers = [784, 256, 128, 10];

    /// <summary>
    /// The Keras tutorial, as <c>MlpTrainer.Options.Tutorial()</c>: Glorot-uniform weights, zero
    /// biases, SGD 0.01, sum((out − one_hot)²) / batch, batch 32, file order, 10 epochs.
    /// </summary>
    public static PlainMlpRecipe Tutorial { get; } = new("tutorial", 32, Shuffle: false, Adam: false, 0.01, CosineSchedule: false, SquaredError: true, 10);

    /// <summary>
    /// As <c>MlpTrainer.Options.Recommended()</c>: Adam 0.002 with cosine decay per step,
    /// cross-entropy, batch 128, a new permutation every epoch, 10 epochs.
    /// </summary>
    public static PlainMlpRecipe Recommended { get; } = new("recommended", 128, Shuffle: true, Adam: true, 0.002, CosineSchedule: true, SquaredError: false, 10);

    /// <summary>The MLP's FLOPs are <see cref="Compare.MachineLimit"/>'s formula.</summary>
    public double? TrainingFlopsPerSample => null;

    public IPlainLoop CreateLoop(int seed) => new PlainMlpLoop(this, seed);

    public string Describe() =>
        $"784-256-128-10 ReLU, Glorot-uniform/zero bias, {(Adam ? "Adam" : "SGD")} {LearningRate}{(CosineSchedule ? " cosine" : "")}, " +
        $"{(SquaredError ? "squared error sum/batch" : "cross-entropy")}, batch {BatchSize}, {(Shuffle ? "shuffled" : "no shuffle")}, {Epochs} epochs";
}
