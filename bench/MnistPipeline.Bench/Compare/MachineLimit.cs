using System.Diagnostics;
using TorchSharp;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// The machine's float32 matrix-multiply rate and the fastest epoch it allows for the MLP.
/// FLOPs per training sample = 3 × forward, forward = 2 × (784·256 + 256·128 + 128·10)
/// multiply-adds counted as 2 FLOPs; backward ≈ 2 × forward (gradients of weights and of
/// activations). Element-wise work (bias, ReLU, loss, optimizer update) is left out, so the
/// bound is optimistic: no loop can reach it.
/// </summary>
internal sealed record MachineLimit
{
    public static readonly int[] Layers = [784, 256, 128, 10];

    /// <summary>The batch sizes of the recipes in the table: the tutorial's 32 and the recommended 128.</summary>
    public static readonly int[] RecipeBatchSizes = [32, 128];

    public required int MatrixSize { get; init; }
    public required int Threads { get; init; }
    public required double[] GflopsPerRepeat { get; init; }
    public double BestGflops => GflopsPerRepeat.Max();
    public double MedianGflops => Statistics.Median(GflopsPerRepeat);

    /// <summary>The recipes' own matrix products at their batch sizes, timed alone (<see cref="RecipeGemmLimit"/>).</summary>
    public RecipeGemmLimit[]? RecipeGemms { get; init; }

    /// <summary>The recipe-product limit of <paramref name="batchSize"/>, if measured.</summary>
    public RecipeGemmLimit? RecipeGemmsOf(int? batchSize) => RecipeGemms?.FirstOrDefault(r => r.BatchSize == batchSize);

    public static long MultiplyAddsPerSample => Layers.Zip(Layers.Skip(1), (a, b) => (long)a * b).Sum();
    public static long ForwardFlopsPerSample => 2 * MultiplyAddsPerSample;
    public static long TrainingFlopsPerSample => 3 * ForwardFlopsPerSample;

    public double FlopsPerEpoch(long rows) => (double)TrainingFlopsPerSample * rows;

    /// <summary>Seconds of one epoch at the best measured matrix-multiply rate.</summary>
    public double FastestEpochSeconds(long rows) => FlopsPerEpoch(rows) / (BestGflops * 1e9);

    /// <summary>Seconds of one epoch of another network, of <paramref name="flopsPerSample"/> training FLOPs per sample, at the best rate.</summary>
    public double FastestEpochSeconds(long rows, double flopsPerSample) => flopsPerSample * rows / (BestGflops * 1e9);

    public const string Formula =
        "FLOPs per epoch = rows × 3 × 2 × (784·256 + 256·128 + 128·10) = rows × 3 × 469,504 " +
        "(forward: 2 FLOPs per multiply-add; backward ≈ 2 × forward; element-wise work and the optimizer update left out)";

    /// <summary>
    /// Times <c>torch.mm</c> of two n × n float32 matrices with the bench's thread count: two
    /// warm-up products, then <paramref name="repeats"/> timed ones (2n³ FLOPs each).
    /// </summary>
    public static MachineLimit Measure(int size, int threads, int repeats = 10)
    {
        torch.set_num_threads(threads);
        using var generator = new torch.Generator(1);
        using var a = torch.rand([size, size], generator: generator);
        using var b = torch.rand([size, size], generator: generator);
        for (int i = 0; i < 2; i++)
            torch.mm(a, b).Dispose();
        var rates = new double[repeats];
        double flops = 2.0 * size * size * size;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = torch.mm(a, b);
            rates[i] = flops / clock.Elapsed.TotalSeconds / 1e9;
        }
        return new MachineLimit { MatrixSize = size, Threads = torch.get_num_threads(), GflopsPerRepeat = rates };
    }
}
