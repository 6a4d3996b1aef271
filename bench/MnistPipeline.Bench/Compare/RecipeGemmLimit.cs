using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// The recipe's own matrix products, timed alone: one epoch of the products a training step of
/// the 784-256-128-10 perceptron needs at the recipe's batch size, and nothing else. Per step:
/// three forward products with the bias (<c>torch.addmm</c>), three weight gradients and two
/// input gradients (<c>torch.mm</c>; the first layer's input gradient is not needed by any loop,
/// as the pixels are not trained, so it is timed apart). The batches are slices of a 60,000 × 784
/// tensor in file order, as the tutorial reads them. No loop can train an epoch faster than this
/// on this machine with these threads: each contender's epoch over it is the honest limit row.
/// </summary>
internal sealed record RecipeGemmLimit
{
    public required int BatchSize { get; init; }
    public required long Rows { get; init; }
    public required int Threads { get; init; }

    /// <summary>Seconds of one epoch of the eight needed products, per timed repeat.</summary>
    public required double[] EpochSecondsPerRepeat { get; init; }

    /// <summary>Seconds of one epoch of the first layer's input gradient alone (the ninth product, not needed), median of the repeats.</summary>
    public required double FirstLayerInputGradientSeconds { get; init; }

    public double BestEpochSeconds => EpochSecondsPerRepeat.Min();
    public double MedianEpochSeconds => Statistics.Median(EpochSecondsPerRepeat);

    public const string Products =
        "per step: forward addmm X·W1ᵀ+b1, A1·W2ᵀ+b2, A2·W3ᵀ+b3; weight gradients mm G3ᵀ·A2, G2ᵀ·A1, G1ᵀ·X; input gradients mm G3·W3, G2·W2 " +
        "(the first layer's input gradient G1·W1 is not needed: timed apart)";

    /// <summary>One warm-up epoch, then <paramref name="repeats"/> timed epochs, on random tensors of the recipe's shapes.</summary>
    public static RecipeGemmLimit Measure(int batchSize, int threads, long rows = 60_000, int repeats = 3)
    {
        torch.set_num_threads(threads);
        int[] sizes = MachineLimit.Layers;
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(1);
        var x = torch.rand([rows, sizes[0]], generator: generator);
        var weights = Enumerable.Range(0, 3).Select(i => torch.rand([sizes[i + 1], sizes[i]], generator: generator).sub_(0.5)).ToArray();
        var transposed = weights.Select(w => w.t()).ToArray();
        var biases = Enumerable.Range(0, 3).Select(i => torch.rand([sizes[i + 1]], generator: generator)).ToArray();

        Epoch(x, weights, transposed, biases, batchSize, firstLayerInputGradient: false);
        var epochs = new double[repeats];
        var firstLayer = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            epochs[r] = Epoch(x, weights, transposed, biases, batchSize, firstLayerInputGradient: false);
            firstLayer[r] = Epoch(x, weights, transposed, biases, batchSize, firstLayerInputGradient: true);
        }
        return new RecipeGemmLimit
        {
            BatchSize = batchSize,
            Rows = rows,
            Threads = torch.get_num_threads(),
            EpochSecondsPerRepeat = epochs,
            FirstLayerInputGradientSeconds = Statistics.Median(firstLayer),
        };
    }

    /// <summary>Seconds of one epoch of the step's products (or of the first layer's input gradient alone).</summary>
    private static double Epoch(Tensor x, Tensor[] w, Tensor[] wt, Tensor[] b, int batchSize, bool firstLayerInputGradient)
    {
        long rows = x.shape[0];
        using var g1Alone = firstLayerInputGradient ? torch.rand([batchSize, w[0].shape[0]]) : null;
        var clock = Stopwatch.StartNew();
        for (long start = 0; start < rows; start += batchSize)
        {
            using var step = torch.NewDisposeScope();
            long length = Math.Min(batchSize, rows - start);
            if (g1Alone is not null)
            {
                g1Alone.narrow(0, 0, length).mm(w[0]);
                continue;
            }
            var xb = x.narrow(0, start, length);
            var a1 = torch.addmm(b[0], xb, wt[0], beta: 1, alpha: 1);
            var a2 = torch.addmm(b[1], a1, wt[1], beta: 1, alpha: 1);
            var g3 = torch.addmm(b[2], a2, wt[2], beta: 1, alpha: 1); // stands in for the output gradient: same shape
            g3.t().mm(a2);
            var g2 = g3.mm(w[2]);
            g2.t().mm(a1);
            var g1 = g2.mm(w[1]);
            g1.t().mm(xb);
        }
        return clock.Elapsed.TotalSeconds;
    }
}
