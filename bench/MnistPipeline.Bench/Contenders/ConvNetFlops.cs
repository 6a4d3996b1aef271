using MnistPipeline.Networks;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// Floating-point operations of one training sample of a convolutional network, counted as the
/// MLP's are (<see cref="Compare.MachineLimit"/>): 2 FLOPs per multiply-add of the forward pass
/// (a convolution: output pixels × output channels × input channels × kernel area; a dense layer:
/// inputs × outputs), backward ≈ 2 × forward; pooling, activations, batch normalization and the
/// optimizer update left out.
/// </summary>
internal static class ConvNetFlops
{
    public static double PerTrainingSample(ConvNetModelParameters network)
    {
        double multiplyAdds = 0;
        foreach (var conv in network.FeatureLayers.OfType<ConvolutionLayer>())
            multiplyAdds += (double)conv.OutputShape.Size * conv.InputShape.Channels * conv.KernelSize * conv.KernelSize;
        foreach (var dense in network.DenseLayers)
            multiplyAdds += (double)dense.InputSize * dense.OutputSize;
        return 3 * 2 * multiplyAdds;
    }
}
