using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>Max pooling in a network's architecture; made by <see cref="ConvNetLayerSpec.MaxPooling"/>, which documents the values.</summary>
/// <param name="KernelSize">Side of the square window; ≥ 1.</param>
/// <param name="Stride">Step between windows; ≥ 1.</param>
public sealed record MaxPoolingSpec(int KernelSize, int Stride) : ConvNetLayerSpec
{
    /// <summary>The layer in one line, e.g. "max pool 2×2".</summary>
    public override string ToString() => MaxPoolingLayer.Describe(KernelSize, Stride);

    internal override void Validate(string option)
    {
        if (KernelSize < 1 || Stride < 1)
            throw new ArgumentOutOfRangeException(option, this,
                F($"{option}: max pooling needs a window side ≥ 1 and a stride ≥ 1; found window {KernelSize}, stride {Stride}."));
    }
}
