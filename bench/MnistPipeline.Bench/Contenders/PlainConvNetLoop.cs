using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// The plain TorchSharp training loop of a convolutional network, the reference for
/// ConvNetTrainer's overhead, written as TorchSharp's examples are: a Module, autograd,
/// <c>optim.Adam</c>. Per step it does what the trainer's step does: one dispose scope; the batch
/// by <c>index_select</c> of a per-epoch permutation; the learning rate of the cosine schedule;
/// forward; cross-entropy; one <c>.item()</c> for the loss (checked finite); zero_grad, backward,
/// step; one <c>.item()</c> for the count of correct predictions. Seeded as the trainer is (global
/// seed, then a generator of the same seed for initialization and shuffling), so both start from
/// the same weights and see the same batches.
/// </summary>
internal sealed class PlainConvNetLoop : IPlainLoop
{
    /// <summary>Rows per forward pass when evaluating (a 10,000-image batch of activations would take gigabytes).</summary>
    private const long EvaluationChunk = 1000;

    private readonly PlainConvNetRecipe _recipe;
    private readonly Generator _generator;
    private readonly PlainImageModule _module;
    private readonly optim.Optimizer _optimizer;

    public PlainConvNetLoop(PlainConvNetRecipe recipe, int seed)
    {
        _recipe = recipe;
        torch.manual_seed(seed);
        _generator = new Generator((ulong)seed);
        _module = recipe.CreateModule();
        _module.Initialize(_generator);
        _optimizer = optim.Adam(_module.parameters(), PlainConvNetRecipe.LearningRate);
    }

    public nn.Module Module => _module;

    public double[] Train(Tensor x, Tensor y)
    {
        long rows = x.shape[0];
        const int batch = PlainConvNetRecipe.BatchSize;
        long totalSteps = (rows + batch - 1) / batch * _recipe.Epochs;
        long step = 0;
        var epochSeconds = new double[_recipe.Epochs];
        _module.train();
        for (int epoch = 0; epoch < _recipe.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            long correct = 0;
            using var permutation = torch.randperm(rows, generator: _generator);
            for (long start = 0; start < rows; start += batch, step++)
            {
                double rate = PlainConvNetRecipe.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps));
                foreach (var group in _optimizer.ParamGroups)
                    group.LearningRate = rate;
                correct += Step(x, y, permutation, start, Math.Min(batch, rows - start));
            }
            epochSeconds[epoch] = clock.Elapsed.TotalSeconds;
            if (correct == 0)
                throw new InvalidOperationException($"Epoch {epoch + 1}: no training row predicted right; the loop is broken.");
        }
        return epochSeconds;
    }

    private long Step(Tensor x, Tensor y, Tensor permutation, long start, long length)
    {
        using var scope = torch.NewDisposeScope();
        var index = permutation.narrow(0, start, length);
        var xb = x.index_select(0, index);
        var yb = y.index_select(0, index);
        if (_recipe.Augment)
            xb = Distort(xb);
        var logits = _module.forward(xb);
        var loss = nn.functional.cross_entropy(logits, yb);
        float lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue))
            throw new InvalidOperationException($"The loss is {lossValue}: training diverged.");
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        return logits.argmax(1).eq(yb).sum().item<long>();
    }

    /// <summary>
    /// A random affine distortion of each 28 × 28 image of the batch (the draws from the seeded
    /// generator): rotation, zoom and shift uniform within the recipe's limits, sampled bilinearly
    /// with zeros outside the image.
    /// </summary>
    private Tensor Distort(Tensor rows)
    {
        long n = rows.shape[0];
        var u = torch.rand([n, 4], generator: _generator).mul_(2).sub_(1);
        var angle = u[.., 0] * (PlainConvNetRecipe.MaxRotationDegrees * Math.PI / 180);
        var inverseZoom = (u[.., 1] * PlainConvNetRecipe.MaxScale).add_(1).reciprocal_();
        var cos = angle.cos() * inverseZoom;
        var sin = angle.sin() * inverseZoom;
        var theta = torch.stack([cos, -sin, u[.., 2] * (-2 * PlainConvNetRecipe.MaxShift / 28), sin, cos, u[.., 3] * (-2 * PlainConvNetRecipe.MaxShift / 28)], dim: 1).reshape(n, 2, 3);
        long[] shape = [n, 1, 28, 28];
        var grid = nn.functional.affine_grid(theta, shape, align_corners: false);
        return nn.functional.grid_sample(rows.reshape(shape), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false).reshape(n, -1);
    }

    public (double Accuracy, double LogLoss) Evaluate(Tensor x, Tensor y)
    {
        _module.eval();
        using var noGrad = torch.no_grad();
        long rows = x.shape[0], correct = 0;
        double lossSum = 0;
        for (long start = 0; start < rows; start += EvaluationChunk)
        {
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(EvaluationChunk, rows - start);
            var yb = y.narrow(0, start, length);
            var logits = _module.forward(x.narrow(0, start, length));
            lossSum += nn.functional.cross_entropy(logits, yb, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(yb).sum().item<long>();
        }
        _module.train();
        return ((double)correct / rows, lossSum / rows);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _module.Dispose();
        _generator.Dispose();
    }
}
