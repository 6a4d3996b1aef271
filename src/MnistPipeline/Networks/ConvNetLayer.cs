using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// One feature layer of a trained convolutional network (<see cref="ConvNetModelParameters"/>),
/// read-only: a <see cref="ConvolutionLayer"/> or a <see cref="MaxPoolingLayer"/>. It maps an
/// image of <see cref="InputShape"/> to an image of <see cref="OutputShape"/>.
/// </summary>
public abstract class ConvNetLayer
{
    private protected ConvNetLayer(ImageShape inputShape, ImageShape outputShape)
    {
        InputShape = inputShape;
        OutputShape = outputShape;
    }

    /// <summary>The shape of the image the layer reads.</summary>
    public ImageShape InputShape { get; }

    /// <summary>The shape of the image the layer gives.</summary>
    public ImageShape OutputShape { get; }

    /// <summary>The number of trainable parameters.</summary>
    public abstract long ParameterCount { get; }

    /// <summary>Writes the layer's nodes reading the [1, C, H, W] tensor <paramref name="input"/>; names start with <paramref name="prefix"/>. Returns the output's name.</summary>
    internal abstract string WriteOnnx(OnnxGraphBuilder graph, string prefix, string input);

    /// <summary>The layer's entry in the saved network description.</summary>
    internal abstract JsonObject Describe();

    /// <summary>
    /// The side of a convolution's or pooling's output: ⌊(side + 2·padding − kernel) / stride⌋ + 1
    /// (as PyTorch and ONNX compute it); 0 when the kernel does not fit.
    /// </summary>
    internal static int OutputSide(int side, int kernel, int stride, int padding)
        => side + 2 * padding < kernel ? 0 : (side + 2 * padding - kernel) / stride + 1;

    /// <summary>[C, H, W] of a shape, for the saved description.</summary>
    private protected static JsonArray ShapeJson(ImageShape shape) => [shape.Channels, shape.Height, shape.Width];

    /// <summary>Reads a [C, H, W] shape written by <see cref="ShapeJson"/>.</summary>
    private protected static ImageShape ReadShape(JsonNode? node)
    {
        var dims = node as JsonArray ?? throw new InvalidDataException("a feature layer of the description has no inputShape.");
        if (dims.Count != 3)
            throw new InvalidDataException($"a feature layer's inputShape has {dims.Count} dimensions; expected 3 (channels, height, width).");
        return new ImageShape((int)dims[0]!, (int)dims[1]!, (int)dims[2]!);
    }

    /// <summary>Reads a feature layer back from its description and the graph's weights.</summary>
    internal static ConvNetLayer Read(JsonObject layer, OnnxModelReader reader, string prefix) => (string?)layer["type"] switch
    {
        ConvolutionLayer.Type => ConvolutionLayer.Read(layer, ReadShape(layer["inputShape"]), reader, prefix),
        MaxPoolingLayer.Type => MaxPoolingLayer.Read(layer, ReadShape(layer["inputShape"])),
        var other => throw new InvalidDataException($"feature layer type '{other}' is not known to this version of MnistPipeline (known: {ConvolutionLayer.Type}, {MaxPoolingLayer.Type})."),
    };
}
