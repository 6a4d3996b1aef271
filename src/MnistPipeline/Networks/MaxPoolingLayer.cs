using System.Globalization;
using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// Max pooling over square windows, channel by channel, without padding: each output pixel is
/// the largest input pixel of its window. No parameters.
/// </summary>
public sealed class MaxPoolingLayer : ConvNetLayer
{
    internal const string Type = "maxpool";

    /// <summary>Creates the layer.</summary>
    /// <param name="inputShape">The image the layer reads.</param>
    /// <param name="kernelSize">Side of the square window; ≥ 1, at most the input side.</param>
    /// <param name="stride">Step between windows; ≥ 1.</param>
    /// <exception cref="ArgumentException">The window does not fit the input.</exception>
    public MaxPoolingLayer(ImageShape inputShape, int kernelSize, int stride)
        : base(inputShape, OutputShapeOf(inputShape, kernelSize, stride))
    {
        KernelSize = kernelSize;
        Stride = stride;
    }

    /// <summary>Side of the square window.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows, in both directions.</summary>
    public int Stride { get; }

    /// <inheritdoc />
    public override long ParameterCount => 0;

    /// <summary>The layer in one line, e.g. "max pool 2×2" (with ", stride 1" when the stride is not the window side).</summary>
    public override string ToString() => Describe(KernelSize, Stride);

    internal static string Describe(int kernel, int stride)
        => string.Create(CultureInfo.InvariantCulture, $"max pool {kernel}×{kernel}{(stride != kernel ? $", stride {stride}" : "")}");

    internal override string WriteOnnx(OnnxGraphBuilder graph, string prefix, string input)
    {
        string output = $"{prefix}_pool";
        graph.Node("MaxPool", [input], [output],
            ("kernel_shape", new long[] { KernelSize, KernelSize }), ("strides", new long[] { Stride, Stride }), ("pads", new long[] { 0, 0, 0, 0 }));
        return output;
    }

    internal override JsonObject Describe() => new()
    {
        ["type"] = Type,
        ["inputShape"] = ShapeJson(InputShape),
        ["kernelSize"] = KernelSize,
        ["stride"] = Stride,
    };

    internal static MaxPoolingLayer Read(JsonObject layer, ImageShape inputShape)
        => new(inputShape, (int)layer["kernelSize"]!, (int)layer["stride"]!);

    private static ImageShape OutputShapeOf(ImageShape input, int kernel, int stride)
    {
        if (input.Size == 0)
            throw new ArgumentException("The input shape of a pooling layer must be set (channels, height and width ≥ 1).", nameof(input));
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1, "kernelSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1, nameof(stride));
        int height = OutputSide(input.Height, kernel, stride, 0), width = OutputSide(input.Width, kernel, stride, 0);
        if (height < 1 || width < 1)
            throw new ArgumentException($"A {kernel}×{kernel} pooling window does not fit an input of {input.Height}×{input.Width} pixels.", "kernelSize");
        return new ImageShape(input.Channels, height, width);
    }
}
