using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>A convolution in a network's architecture; made by <see cref="ConvNetLayerSpec.Convolution"/>, which documents the values.</summary>
/// <param name="Channels">Filters (output channels); ≥ 1.</param>
/// <param name="KernelSize">Side of the square kernel; ≥ 1.</param>
/// <param name="Stride">Step between kernel positions; ≥ 1.</param>
/// <param name="Padding">Zero pixels added on every side; ≥ 0.</param>
/// <param name="BatchNormalization">Batch normalization between the convolution and the activation.</param>
public sealed record ConvolutionSpec(int Channels, int KernelSize, int Stride, int Padding, bool BatchNormalization) : ConvNetLayerSpec
{
    /// <summary>The layer in one line, e.g. "conv 32@3×3".</summary>
    public override string ToString() => ConvolutionLayer.Describe(Channels, KernelSize, Stride, Padding, BatchNormalization);

    internal override void Validate(string option)
    {
        if (Channels < 1 || KernelSize < 1 || Stride < 1 || Padding < 0)
            throw new ArgumentOutOfRangeException(option, this,
                F($"{option}: a convolution needs channels ≥ 1, a kernel size ≥ 1, a stride ≥ 1 and a padding ≥ 0; found channels {Channels}, kernel size {KernelSize}, stride {Stride}, padding {Padding}."));
    }
}
