namespace MnistPipeline.Bench.Contenders;

/// <summary>Every contender of <c>compare</c>, in table order.</summary>
internal static class ContenderCatalog
{
    public static IReadOnlyList<IContender> All { get; } =
    [
        new MlpTutorialContender(),
        new PlainTorchSharpContender(PlainMlpRecipe.Tutorial),
        new MlpRecommendedContender(),
        new PlainTorchSharpContender(PlainMlpRecipe.Recommended),
        new MlpBestContender(),
        new SdcaMaximumEntropyContender(),
        new LbfgsMaximumEntropyContender(),
        new LightGbmContender(),
        new PyTorchContender(),
        new ConvNetLeNet5Contender(),
        new PlainTorchSharpContender(PlainConvNetRecipe.LeNet5),
        new ConvNetRecommendedContender(),
        new PlainTorchSharpContender(PlainConvNetRecipe.Recommended),
    ];

    public static IContender Find(string name) =>
        All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"Unknown contender '{name}'. Known: {string.Join(", ", All.Select(c => c.Name))}.");
}
