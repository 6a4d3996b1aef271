using System.Globalization;
using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// A trained 2-D convolution with square kernels, read-only: <c>activation(BN(W ∗ x + b))</c>,
/// where BN is the optional <see cref="BatchNormalization"/> (its inference form: running mean
/// and variance).
/// </summary>
/// <remarks>
/// <see cref="Weights"/> is row-major with shape [<see cref="OutputChannels"/>, input channels,
/// <see cref="KernelSize"/>, <see cref="KernelSize"/>] (the layout of PyTorch's <c>nn.Conv2d</c>
/// and of ONNX <c>Conv</c>). Zero padding of <see cref="Padding"/> pixels on every side.
/// </remarks>
public sealed class ConvolutionLayer : ConvNetLayer
{
    internal const string Type = "conv";

    /// <summary>Creates a layer from its weights (copied).</summary>
    /// <param name="inputShape">The image the layer reads.</param>
    /// <param name="outputChannels">Filters (output channels); ≥ 1.</param>
    /// <param name="kernelSize">Side of the square kernel; ≥ 1, at most the padded input side.</param>
    /// <param name="stride">Step between kernel positions; ≥ 1.</param>
    /// <param name="padding">Zero pixels added on every side; ≥ 0.</param>
    /// <param name="weights">Row-major [<paramref name="outputChannels"/>, input channels, <paramref name="kernelSize"/>, <paramref name="kernelSize"/>] weights; all finite.</param>
    /// <param name="bias"><paramref name="outputChannels"/> biases; all finite.</param>
    /// <param name="activation">The activation after the convolution (and batch normalization).</param>
    /// <param name="batchNormalization">Batch normalization between the convolution and the activation, or null for none; it must have <paramref name="outputChannels"/> channels.</param>
    /// <exception cref="ArgumentException">A size does not match, the kernel does not fit the input, or a value is not finite.</exception>
    public ConvolutionLayer(ImageShape inputShape, int outputChannels, int kernelSize, int stride, int padding,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Activation activation, BatchNormalization? batchNormalization = null)
        : base(inputShape, OutputShapeOf(inputShape, outputChannels, kernelSize, stride, padding))
    {
        long expected = (long)outputChannels * inputShape.Channels * kernelSize * kernelSize;
        if (weights.Length != expected)
            throw new ArgumentException(
                $"Convolution weights: expected {outputChannels}x{inputShape.Channels}x{kernelSize}x{kernelSize} = {expected} values, found {weights.Length}.", nameof(weights));
        if (bias.Length != outputChannels)
            throw new ArgumentException($"Convolution bias: expected {outputChannels} values, found {bias.Length}.", nameof(bias));
        if (!Enum.IsDefined(activation))
            throw new ArgumentException($"Convolution activation: {activation} is not an {nameof(Networks.Activation)}.", nameof(activation));
        if (batchNormalization is not null && batchNormalization.Channels != outputChannels)
            throw new ArgumentException(
                $"Batch normalization of {batchNormalization.Channels} channels after a convolution of {outputChannels} output channels.", nameof(batchNormalization));
        FiniteValues.Require(weights, "Convolution weights", nameof(weights));
        FiniteValues.Require(bias, "Convolution bias", nameof(bias));
        OutputChannels = outputChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Weights = weights.ToArray();
        Bias = bias.ToArray();
        Activation = activation;
        BatchNormalization = batchNormalization;
    }

    /// <summary>Filters (output channels).</summary>
    public int OutputChannels { get; }

    /// <summary>Side of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>Step between kernel positions, in both directions.</summary>
    public int Stride { get; }

    /// <summary>Zero pixels added on every side of the input.</summary>
    public int Padding { get; }

    /// <summary>Weights, row-major [<see cref="OutputChannels"/>, input channels, <see cref="KernelSize"/>, <see cref="KernelSize"/>].</summary>
    public ReadOnlyMemory<float> Weights { get; }

    /// <summary>Biases, one per output channel.</summary>
    public ReadOnlyMemory<float> Bias { get; }

    /// <summary>The activation after the convolution (and batch normalization).</summary>
    public Activation Activation { get; }

    /// <summary>Batch normalization between the convolution and the activation, or null.</summary>
    public BatchNormalization? BatchNormalization { get; }

    /// <inheritdoc />
    public override long ParameterCount => (long)Weights.Length + Bias.Length + (BatchNormalization?.ParameterCount ?? 0);

    /// <summary>The layer in one line, e.g. "conv 32@3×3" (with ", stride 2", ", padding 1", " + BN" when set).</summary>
    public override string ToString() => Describe(OutputChannels, KernelSize, Stride, Padding, BatchNormalization is not null);

    internal static string Describe(int channels, int kernel, int stride, int padding, bool batchNormalization)
        => string.Create(CultureInfo.InvariantCulture,
            $"conv {channels}@{kernel}×{kernel}{(stride != 1 ? $", stride {stride}" : "")}{(padding != 0 ? $", padding {padding}" : "")}{(batchNormalization ? " + BN" : "")}");

    internal override string WriteOnnx(OnnxGraphBuilder graph, string prefix, string input)
    {
        int k = KernelSize;
        graph.Initializer($"{prefix}_w", [OutputChannels, InputShape.Channels, k, k], Weights.Span);
        graph.Initializer($"{prefix}_b", [OutputChannels], Bias.Span);
        string current = $"{prefix}_conv";
        graph.Node("Conv", [input, $"{prefix}_w", $"{prefix}_b"], [current],
            ("kernel_shape", new long[] { k, k }), ("strides", new long[] { Stride, Stride }),
            ("pads", new long[] { Padding, Padding, Padding, Padding }), ("dilations", new long[] { 1, 1 }), ("group", 1L));
        if (BatchNormalization is { } norm)
            current = norm.WriteOnnx(graph, prefix, current);
        string activated = $"{prefix}_act";
        graph.Node(DenseLayerStack.OnnxOperator(Activation), [current], [activated]);
        return activated;
    }

    internal override JsonObject Describe() => new()
    {
        ["type"] = Type,
        ["inputShape"] = ShapeJson(InputShape),
        ["outputChannels"] = OutputChannels,
        ["kernelSize"] = KernelSize,
        ["stride"] = Stride,
        ["padding"] = Padding,
        ["activation"] = Activation.ToString(),
        ["batchNormalization"] = BatchNormalization?.Describe(),
    };

    internal static ConvolutionLayer Read(JsonObject layer, ImageShape inputShape, OnnxModelReader reader, string prefix)
    {
        int channels = (int)layer["outputChannels"]!, kernel = (int)layer["kernelSize"]!;
        var norm = layer["batchNormalization"] is JsonObject described ? BatchNormalization.Read(described, channels, reader, prefix) : null;
        return new ConvolutionLayer(inputShape, channels, kernel, (int)layer["stride"]!, (int)layer["padding"]!,
            reader.Floats($"{prefix}_w", channels, inputShape.Channels, kernel, kernel), reader.Floats($"{prefix}_b", channels),
            Enum.Parse<Activation>((string?)layer["activation"] ?? throw new InvalidDataException("a convolution of the description has no activation.")),
            norm);
    }

    private static ImageShape OutputShapeOf(ImageShape input, int channels, int kernel, int stride, int padding)
    {
        if (input.Size == 0)
            throw new ArgumentException("The input shape of a convolution must be set (channels, height and width ≥ 1).", nameof(input));
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1, nameof(channels));
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1, "kernelSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1, nameof(stride));
        ArgumentOutOfRangeException.ThrowIfNegative(padding, nameof(padding));
        int height = OutputSide(input.Height, kernel, stride, padding), width = OutputSide(input.Width, kernel, stride, padding);
        if (height < 1 || width < 1)
            throw new ArgumentException(
                $"A {kernel}×{kernel} kernel with padding {padding} does not fit an input of {input.Height}×{input.Width} pixels.", "kernelSize");
        return new ImageShape(channels, height, width);
    }
}
