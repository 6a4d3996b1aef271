using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// The plain TorchSharp training loop, written as TorchSharp's examples write it: the peer a user
/// would otherwise write, and the reference MlpTrainer is measured against. Per step: one dispose
/// scope; the batch by <c>narrow</c> (or <c>index_select</c> of a per-epoch permutation when
/// shuffling); forward; loss; one <c>.item()</c> for the loss (checked finite); zero_grad,
/// backward, <c>optim.SGD</c>/<c>optim.Adam</c> step; one <c>.item()</c> for the count of correct
/// predictions. With the cosine schedule it sets the learning rate every step as the trainer
/// does. (MlpTrainer's autograd path makes the same calls; its fused step, which trains these
/// recipes, replaces autograd and the optimizer by a hand-written backward pass and update.)
/// </summary>
internal sealed class PlainMlpLoop : IPlainLoop
{
    private readonly PlainMlpRecipe _recipe;
    private readonly Generator _generator;
    private readonly optim.Optimizer _optimizer;

    /// <summary>Seeds like MlpTrainer (global seed, then a generator of the same seed for initialization and shuffling).</summary>
    public PlainMlpLoop(PlainMlpRecipe recipe, int seed)
    {
        _recipe = recipe;
        torch.manual_seed(seed);
        _generator = new Generator((ulong)seed);
        Module = new PlainMlpModule();
        Module.InitializeGlorot(_generator);
        var parameters = Module.parameters();
        _optimizer = recipe.Adam ? optim.Adam(parameters, recipe.LearningRate) : optim.SGD(parameters, recipe.LearningRate);
    }

    public PlainMlpModule Module { get; }

    nn.Module IPlainLoop.Module => Module;

    /// <summary>Trains all epochs on features [n, 784] (float, 0..1) and labels [n] (int64 class index); returns each epoch's wall time.</summary>
    public double[] Train(Tensor x, Tensor y)
    {
        long rows = x.shape[0];
        int batch = _recipe.BatchSize;
        long totalSteps = (rows + batch - 1) / batch * _recipe.Epochs;
        long step = 0;
        var epochSeconds = new double[_recipe.Epochs];
        Module.train();
        for (int epoch = 0; epoch < _recipe.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            long correct = 0;
            using var permutation = _recipe.Shuffle ? torch.randperm(rows, generator: _generator) : null;
            for (long start = 0; start < rows; start += batch, step++)
            {
                if (_recipe.CosineSchedule)
                {
                    double rate = _recipe.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps));
                    foreach (var group in _optimizer.ParamGroups)
                        group.LearningRate = rate;
                }
                correct += Step(x, y, permutation, start, Math.Min(batch, rows - start)).Correct;
            }
            epochSeconds[epoch] = clock.Elapsed.TotalSeconds;
            if (correct == 0)
                throw new InvalidOperationException($"Epoch {epoch + 1}: no training row predicted right; the loop is broken.");
        }
        return epochSeconds;
    }

    /// <summary>One training step on rows [start, start + length) (of the permutation when given).</summary>
    public (float Loss, long Correct) Step(Tensor x, Tensor y, Tensor? permutation, long start, long length)
    {
        using var scope = torch.NewDisposeScope();
        Tensor xb, yb;
        if (permutation is null)
        {
            xb = x.narrow(0, start, length);
            yb = y.narrow(0, start, length);
        }
        else
        {
            var index = permutation.narrow(0, start, length);
            xb = x.index_select(0, index);
            yb = y.index_select(0, index);
        }
        var logits = Module.forward(xb);
        var loss = _recipe.SquaredError
            ? (logits - nn.functional.one_hot(yb, 10).to(ScalarType.Float32)).square().sum() / yb.shape[0]
            : nn.functional.cross_entropy(logits, yb);
        float lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue))
            throw new InvalidOperationException($"The loss is {lossValue}: training diverged.");
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        long hits = logits.argmax(1).eq(yb).sum().item<long>();
        return (lossValue, hits);
    }

    /// <summary>Accuracy and mean log-loss (log-softmax of the logits) on the given rows.</summary>
    public (double Accuracy, double LogLoss) Evaluate(Tensor x, Tensor y)
    {
        Module.eval();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var logits = Module.forward(x);
        double logLoss = nn.functional.cross_entropy(logits, y).item<float>();
        double accuracy = logits.argmax(1).eq(y).to(ScalarType.Float64).mean().item<double>();
        Module.train();
        return (accuracy, logLoss);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        Module.Dispose();
        _generator.Dispose();
    }
}
