namespace MnistPipeline.Networks;

/// <summary>
/// One fully connected layer, read-only: <c>y = activation(W x + b)</c>. The layers of a perceptron
/// (<see cref="MlpModelParameters"/>), and the dense layers of a convolutional network
/// (<see cref="ConvNetModelParameters.DenseLayers"/>).
/// </summary>
/// <remarks>
/// <see cref="Weights"/> is row-major with shape [<see cref="OutputSize"/>, <see cref="InputSize"/>]
/// (the layout of PyTorch's <c>nn.Linear</c> and of ONNX <c>Gemm</c> with <c>transB = 1</c>):
/// the weight from input <c>j</c> to output <c>i</c> is <c>Weights.Span[i * InputSize + j]</c>.
/// </remarks>
public sealed class MlpLayer
{
    /// <summary>Creates a layer from its weights (copied).</summary>
    /// <param name="inputSize">Number of inputs; ≥ 1.</param>
    /// <param name="outputSize">Number of outputs (units); ≥ 1.</param>
    /// <param name="weights">Row-major [<paramref name="outputSize"/>, <paramref name="inputSize"/>] weights; all finite.</param>
    /// <param name="bias"><paramref name="outputSize"/> biases; all finite.</param>
    /// <param name="activation">The activation after the layer, or null for the output layer.</param>
    /// <exception cref="ArgumentException">A size does not match, or a value is not finite.</exception>
    public MlpLayer(int inputSize, int outputSize, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Activation? activation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputSize, 1);
        if (weights.Length != (long)inputSize * outputSize)
            throw new ArgumentException($"Layer weights: expected {outputSize}x{inputSize} = {(long)inputSize * outputSize} values, found {weights.Length}.", nameof(weights));
        if (bias.Length != outputSize)
            throw new ArgumentException($"Layer bias: expected {outputSize} values, found {bias.Length}.", nameof(bias));
        if (activation is { } a && !Enum.IsDefined(a))
            throw new ArgumentException($"Layer activation: {a} is not an {nameof(Networks.Activation)}.", nameof(activation));
        FiniteValues.Require(weights, "Layer weights", nameof(weights));
        FiniteValues.Require(bias, "Layer bias", nameof(bias));
        InputSize = inputSize;
        OutputSize = outputSize;
        Weights = weights.ToArray();
        Bias = bias.ToArray();
        Activation = activation;
    }

    /// <summary>Number of inputs of the layer.</summary>
    public int InputSize { get; }

    /// <summary>Number of outputs (units) of the layer.</summary>
    public int OutputSize { get; }

    /// <summary>Weights, row-major [<see cref="OutputSize"/>, <see cref="InputSize"/>].</summary>
    public ReadOnlyMemory<float> Weights { get; }

    /// <summary>Biases, one per output.</summary>
    public ReadOnlyMemory<float> Bias { get; }

    /// <summary>The activation applied to the output, or null for the last (output) layer.</summary>
    public Activation? Activation { get; }

    /// <summary>The number of trainable parameters: weights plus biases.</summary>
    public long ParameterCount => (long)InputSize * OutputSize + OutputSize;
}
