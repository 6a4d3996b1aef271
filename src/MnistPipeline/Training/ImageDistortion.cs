using Microsoft.ML.Data;
using static System.FormattableString;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The augmentation of <see cref="ImageAugmentation"/>: every row of a training batch is
/// resampled (bilinear, zeros outside the image) through its own random affine transform, plus
/// an elastic displacement field when asked for. One <c>grid_sample</c> per batch; the random
/// numbers come from the training loop's seeded generator (on the CPU, then moved to the
/// batch's device), so a run repeats exactly and a checkpoint of the generator captures them.
/// </summary>
internal sealed class ImageDistortion : IBatchAugmentation, IDisposable
{
    private readonly ImageAugmentation _settings;
    private readonly Tensor? _kernel;
    private Tensor? _mean;
    private Tensor? _scale;

    private ImageDistortion(ImageAugmentation settings, int channels, int height, int width)
    {
        _settings = settings;
        Channels = channels;
        Height = height;
        Width = width;
        if (settings.ElasticAlpha > 0)
            _kernel = GaussianKernel(settings.ElasticSigma).DetachFromDisposeScope();
    }

    public int Channels { get; }

    public int Height { get; }

    public int Width { get; }

    /// <summary>
    /// The augmentation for features of <paramref name="featureCount"/> values in a column of type
    /// <paramref name="featureType"/>, with the image shape of the settings, else of the network
    /// (<paramref name="networkImage"/>, a convolutional network's input), else of the column's
    /// dimensions; throws <see cref="ArgumentException"/> naming the option and the column when
    /// neither gives a shape that fits.
    /// </summary>
    public static ImageDistortion Create(ImageAugmentation settings, string featureColumn, DataViewType featureType, int featureCount, Networks.ImageShape? networkImage = null)
    {
        var (channels, height, width) = ImageShape(settings, featureColumn, featureType, featureCount, networkImage);
        return new ImageDistortion(settings, channels, height, width);
    }

    /// <summary>The rule of <see cref="ImageAugmentation"/>'s remarks: the options' shape, else the network's image, else the column's dimensions.</summary>
    internal static (int Channels, int Height, int Width) ImageShape(ImageAugmentation settings, string featureColumn, DataViewType featureType, int featureCount,
        Networks.ImageShape? networkImage = null)
    {
        const string option = $"{nameof(NetworkTrainerOptions.Augmentation)}.{nameof(ImageAugmentation.ImageHeight)}";
        if (settings.ImageHeight is int h && settings.ImageWidth is int w)
        {
            long pixels = (long)h * w;
            if (featureCount % pixels != 0)
                throw new ArgumentException(Invariant(
                    $"Augmentation: images of {h} x {w} pixels (Augmentation.ImageHeight x ImageWidth) do not fit the feature column '{featureColumn}' of {featureCount} values: the count must be a multiple of {pixels} (channels x height x width)."),
                    option);
            return ((int)(featureCount / pixels), h, w);
        }
        if (networkImage is { } network)
            return (network.Channels, network.Height, network.Width);
        var dimensions = (featureType as VectorDataViewType)?.Dimensions ?? [];
        if (Networks.ImageShape.FromDimensions(dimensions) is { } image)
            return (image.Channels, image.Height, image.Width);
        string found = dimensions.Length <= 1
            ? Invariant($"a vector of {featureCount} values without image dimensions")
            : Invariant($"a vector of dimensions [{string.Join(", ", dimensions)}]");
        throw new ArgumentException(
            $"Augmentation needs the image shape: the feature column '{featureColumn}' is {found} (FlattenImage and Concatenate drop the dimensions). " +
            "Set Augmentation.ImageHeight and Augmentation.ImageWidth (28 and 28 for MNIST), or train on a column of type Vector<Single, height, width>.",
            option);
    }

    /// <summary>
    /// The features arrive standardized (<see cref="FeatureStandardization"/>): undo it before
    /// distorting and redo it after, so that pixels from outside the image are the image's
    /// background (0), not the standardized value of 0. Null for features as given.
    /// </summary>
    public void UseStandardization(FeatureStandardization? standardization)
    {
        _mean?.Dispose();
        _scale?.Dispose();
        _mean = standardization is null ? null : torch.tensor(standardization.Mean).DetachFromDisposeScope();
        _scale = standardization is null ? null : torch.tensor(standardization.Scale).DetachFromDisposeScope();
    }

    public string Describe() => Invariant($"{Channels} x {Height} x {Width} images; ") + _settings.Describe();

    public Tensor Augment(Tensor features, Generator generator)
    {
        long n = features.shape[0];
        long[] shape = [n, Channels, Height, Width];
        var mean = _mean?.to(features.device);
        var scale = _scale?.to(features.device);
        var images = (mean is null ? features : features * scale! + mean).reshape(shape);
        var device = features.device;

        // Per row: angle, zoom, shift x, shift y, each uniform in [−1, 1) times its largest value.
        var u = torch.rand([n, 4], generator: generator).mul_(2).sub_(1);
        var angle = u[.., 0] * (_settings.MaxRotationDegrees * Math.PI / 180);
        var inverseZoom = (u[.., 1] * _settings.MaxScale).add_(1).reciprocal_();
        var cos = angle.cos() * inverseZoom;
        var sin = angle.sin() * inverseZoom;
        // The output pixel at centred coordinates p samples the input at A·p − shift (pixels); in
        // affine_grid's normalized coordinates (−1..1 over the image's width and height, corners
        // of the corner pixels) the off-diagonal terms carry the aspect ratio.
        double aspect = (double)Height / Width;
        var theta = torch.stack(
        [
            cos, sin * -aspect, u[.., 2] * (-2 * _settings.MaxShift / Width),
            sin / aspect, cos, u[.., 3] * (-2 * _settings.MaxShift / Height),
        ], dim: 1).reshape(n, 2, 3).to(features.dtype).to(device);
        var grid = nn.functional.affine_grid(theta, shape, align_corners: false);

        if (_kernel is not null)
            grid = grid.add(ElasticDisplacement(n, generator).to(features.dtype).to(device));

        var distorted = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        var rows = distorted.reshape(n, -1);
        return mean is null ? rows : (rows - mean) / scale!;
    }

    public void Dispose()
    {
        _kernel?.Dispose();
        _mean?.Dispose();
        _scale?.Dispose();
    }

    /// <summary>
    /// Simard et al.'s field: uniform noise in [−1, 1] per pixel and direction, convolved with a
    /// normalized Gaussian, times α pixels; returned in grid units [n, H, W, 2] (x, y).
    /// </summary>
    private Tensor ElasticDisplacement(long n, Generator generator)
    {
        var noise = torch.rand([n * 2, 1, Height, Width], generator: generator).mul_(2).sub_(1);
        long radius = (_kernel!.shape[3] - 1) / 2;
        var smooth = nn.functional.conv2d(noise, _kernel, padding: [0, radius]);
        smooth = nn.functional.conv2d(smooth, _kernel.transpose(2, 3), padding: [radius, 0]);
        var field = smooth.reshape(n, 2, Height, Width).permute(0, 2, 3, 1);
        using var toGrid = torch.tensor(new[] { (float)(2 * _settings.ElasticAlpha / Width), (float)(2 * _settings.ElasticAlpha / Height) });
        return field.mul(toGrid);
    }

    /// <summary>A normalized 1-D Gaussian of standard deviation <paramref name="sigma"/> as a [1, 1, 1, 2r + 1] kernel, r = ⌈3σ⌉.</summary>
    private static Tensor GaussianKernel(double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma);
        var weights = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
            sum += weights[i + radius] = (float)Math.Exp(-0.5 * i * i / (sigma * sigma));
        for (int i = 0; i < weights.Length; i++)
            weights[i] = (float)(weights[i] / sum);
        return torch.tensor(weights, [1, 1, 1, weights.Length]);
    }
}
