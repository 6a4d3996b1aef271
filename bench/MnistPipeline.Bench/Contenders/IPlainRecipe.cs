using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>A network and recipe of a plain TorchSharp reference loop (<see cref="PlainTorchSharpContender"/>).</summary>
internal interface IPlainRecipe
{
    /// <summary>The contender is <c>plain-torchsharp-{Name}</c>.</summary>
    string Name { get; }

    int Epochs { get; }

    /// <summary>FLOPs of one training sample for the bound column; null for the MLP's (<see cref="Compare.MachineLimit"/>).</summary>
    double? TrainingFlopsPerSample { get; }

    string Describe();

    /// <summary>The loop, seeded as the library's trainer seeds.</summary>
    IPlainLoop CreateLoop(int seed);
}

/// <summary>A plain TorchSharp training loop on tensors in memory.</summary>
internal interface IPlainLoop : IDisposable
{
    nn.Module Module { get; }

    /// <summary>Trains all epochs on features [n, 784] (float, 0..1) and labels [n] (int64 class index); returns each epoch's wall time.</summary>
    double[] Train(Tensor x, Tensor y);

    /// <summary>Accuracy and mean log-loss (log-softmax of the logits) on the given rows.</summary>
    (double Accuracy, double LogLoss) Evaluate(Tensor x, Tensor y);
}
