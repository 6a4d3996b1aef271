using MnistPipeline.Training;

namespace MnistPipeline.Scoring;

/// <summary>
/// One fully connected layer of a trained perceptron: <c>y = activation(W x + b)</c>, read-only.
/// </summary>
/// <remarks>
/// <see cref="Weights"/> is row-major with shape [<see cref="OutputSize"/>, <see cref="InputSize"/>]
/// (the layout of PyTorch's <c>nn.Linear</c> and of ONNX <c>Gemm</c> with <c>transB = 1</c>):
/// the weight from input <c>j</c> to output <c>i</c> is <c>Weights.Span[i * InputSize + j]</c>.
/// </remarks>
public sealed class MlpLayer
{
    internal MlpLayer(int inputSize, int outputSize, float[] weights, float[] bias, MlpActivation? activation)
    {
        if (weights.Length != checked(inputSize * outputSize))
            throw new ArgumentException($"Layer weights: expected {outputSize}x{inputSize} = {inputSize * outputSize} values, found {weights.Length}.", nameof(weights));
        if (bias.Length != outputSize)
            throw new ArgumentException($"Layer bias: expected {outputSize} values, found {bias.Length}.", nameof(bias));
        InputSize = inputSize;
        OutputSize = outputSize;
        Weights = weights;
        Bias = bias;
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

    /// <summary>The activation applied to the output, or null for the last (logit) layer.</summary>
    public MlpActivation? Activation { get; }

    /// <summary>The number of trainable parameters: weights plus biases.</summary>
    public long ParameterCount => (long)InputSize * OutputSize + OutputSize;
}
