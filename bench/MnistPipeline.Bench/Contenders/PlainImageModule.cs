using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// A convolutional network written as a plain TorchSharp module for the reference loop: rows of
/// 784 pixels in, viewed as [n, 1, 28, 28] images; logits out.
/// </summary>
internal abstract class PlainImageModule(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>Multiply-adds of one forward pass (for the FLOP count of the bound column).</summary>
    public abstract long MultiplyAdds { get; }

    /// <summary>Draws the weights and biases, convolutions first then the linear layers, in layer order, each uniform in ±1/sqrt(fanIn) (PyTorch's default bound) from <paramref name="generator"/>.</summary>
    public abstract void Initialize(Generator generator);

    private protected static void Uniform(Tensor weight, Tensor bias, long fanIn, Generator generator)
    {
        using var noGrad = torch.no_grad();
        double bound = 1.0 / Math.Sqrt(fanIn);
        nn.init.uniform_(weight, -bound, bound, generator);
        nn.init.uniform_(bias, -bound, bound, generator);
    }
}
