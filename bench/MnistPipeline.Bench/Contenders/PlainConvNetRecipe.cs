namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// A convolutional network's recipe for the plain TorchSharp loop, written out by hand (not read
/// from ConvNetTrainer.Options, so that the reference does not depend on the code it measures):
/// Adam 0.002 with cosine decay per step, cross-entropy, batch 128, a new permutation every epoch;
/// with <paramref name="Augment"/>, every training batch shifted (±2 px), rotated (±10°) and scaled (±10%).
/// </summary>
internal sealed record PlainConvNetRecipe(string Name, string Network, Func<PlainImageModule> CreateModule, int Epochs, bool Augment = false) : IPlainRecipe
{
    public const double MaxShift = 2;
    public const double MaxRotationDegrees = 10;
    public const double MaxScale = 0.1;

    public const int BatchSize = 128;
    public const double LearningRate = 0.002;

    /// <summary>As <c>ConvNetTrainer.Options.Recommended()</c>.</summary>
    public static PlainConvNetRecipe Recommended { get; } = new("convnet",
        "conv 16@3×3 + BN, max pool 2×2, conv 64@3×3 + BN, max pool 2×2, dense 128, dropout 0.25, ReLU", () => new PlainConvNetModule(), 6, Augment: true);

    /// <summary>As <c>ConvNetTrainer.Options.LeNet5()</c>.</summary>
    public static PlainConvNetRecipe LeNet5 { get; } = new("lenet5",
        "LeNet-5: conv 6@5×5 padding 2, max pool 2×2, conv 16@5×5, max pool 2×2, dense 120, dense 84, ReLU", () => new PlainLeNet5Module(), 6);

    public double? TrainingFlopsPerSample
    {
        get
        {
            using var module = CreateModule();
            return 3.0 * 2 * module.MultiplyAdds;
        }
    }

    public string Describe() =>
        $"{Network}; PyTorch-default init bounds, Adam {LearningRate} cosine, cross-entropy, batch {BatchSize}, shuffled, {Epochs} epochs" +
        (Augment ? $"; every training batch shifted ±{MaxShift} px, rotated ±{MaxRotationDegrees}°, scaled ±{MaxScale * 100}%" : "");

    public IPlainLoop CreateLoop(int seed) => new PlainConvNetLoop(this, seed);
}
