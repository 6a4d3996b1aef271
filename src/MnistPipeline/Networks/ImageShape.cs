using System.Globalization;

namespace MnistPipeline.Networks;

/// <summary>
/// The shape of an image a convolutional network reads: channels × height × width. The feature
/// vector holds the pixels channel by channel, each channel row by row (the layout of a
/// <c>Vector&lt;Single, C, H, W&gt;</c> column, and of PyTorch's [C, H, W] tensors).
/// </summary>
public readonly record struct ImageShape
{
    /// <summary>Creates a shape; every size must be ≥ 1 and the pixel count must fit an <see cref="int"/>.</summary>
    /// <param name="channels">Channels (1 for grayscale, 3 for RGB); ≥ 1.</param>
    /// <param name="height">Rows of pixels; ≥ 1.</param>
    /// <param name="width">Columns of pixels; ≥ 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or the pixel count exceeds <see cref="int.MaxValue"/>.</exception>
    public ImageShape(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if ((long)channels * height * width > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(channels), $"An image of {channels} × {height} × {width} values is larger than a vector can be.");
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels (1 for grayscale).</summary>
    public int Channels { get; }

    /// <summary>Rows of pixels.</summary>
    public int Height { get; }

    /// <summary>Columns of pixels.</summary>
    public int Width { get; }

    /// <summary>Values in the image: <see cref="Channels"/> × <see cref="Height"/> × <see cref="Width"/>, the length of the feature vector.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>A grayscale image of <paramref name="height"/> × <paramref name="width"/> pixels (one channel), e.g. MNIST's 28 × 28.</summary>
    public static ImageShape Grayscale(int height, int width) => new(1, height, width);

    /// <summary>
    /// The image that a vector column's dimensions describe: [H, W] (one channel) or [C, H, W];
    /// null for any other number of dimensions or for a dimension of unknown size (0).
    /// </summary>
    internal static ImageShape? FromDimensions(System.Collections.Immutable.ImmutableArray<int> dimensions) => dimensions switch
    {
        [> 0 and var height, > 0 and var width] => new ImageShape(1, height, width),
        [> 0 and var channels, > 0 and var height, > 0 and var width] => new ImageShape(channels, height, width),
        _ => null,
    };

    /// <summary>The shape as "C×H×W", e.g. "1×28×28".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Channels}×{Height}×{Width}");
}
