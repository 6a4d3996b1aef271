using System.Globalization;

namespace MnistPipeline.Training;

/// <summary>
/// One layer of a convolutional network's architecture, as <see cref="ConvNetTrainerOptionsBase.Layers"/>
/// lists them: a <see cref="ConvolutionSpec"/>, <see cref="MaxPoolingSpec"/>, <see cref="DenseSpec"/> or
/// <see cref="DropoutSpec"/>, made with the factory methods here.
/// </summary>
/// <example>
/// <code>
/// options.Layers =
/// [
///     ConvNetLayerSpec.Convolution(32, kernelSize: 3), ConvNetLayerSpec.MaxPooling(2),
///     ConvNetLayerSpec.Convolution(64, kernelSize: 3), ConvNetLayerSpec.MaxPooling(2),
///     ConvNetLayerSpec.Dense(128), ConvNetLayerSpec.Dropout(0.25),
/// ];
/// </code>
/// </example>
public abstract record ConvNetLayerSpec
{
    private protected ConvNetLayerSpec()
    {
    }

    /// <summary>A 2-D convolution with square kernels, followed by the trainer's activation (batch normalization first, if asked).</summary>
    /// <param name="channels">Filters (output channels); ≥ 1.</param>
    /// <param name="kernelSize">Side of the square kernel; ≥ 1.</param>
    /// <param name="stride">Step between kernel positions; ≥ 1. Default 1.</param>
    /// <param name="padding">Zero pixels added on every side; ≥ 0. Default 0 (<c>(kernelSize − 1) / 2</c> keeps the size with stride 1).</param>
    /// <param name="batchNormalization">Batch normalization between the convolution and the activation. Default false.</param>
    public static ConvolutionSpec Convolution(int channels, int kernelSize, int stride = 1, int padding = 0, bool batchNormalization = false)
        => new(channels, kernelSize, stride, padding, batchNormalization);

    /// <summary>Max pooling over square windows.</summary>
    /// <param name="kernelSize">Side of the square window; ≥ 1.</param>
    /// <param name="stride">Step between windows; ≥ 1. Default: the window side (windows do not overlap).</param>
    public static MaxPoolingSpec MaxPooling(int kernelSize, int? stride = null) => new(kernelSize, stride ?? kernelSize);

    /// <summary>A fully connected hidden layer, followed by the trainer's activation. The first one flattens the image.</summary>
    /// <param name="units">Units; ≥ 1.</param>
    public static DenseSpec Dense(int units) => new(units);

    /// <summary>Dropout of the previous layer's outputs while training (none when scoring).</summary>
    /// <param name="rate">Probability of zeroing each value; in [0, 1).</param>
    public static DropoutSpec Dropout(double rate) => new(rate);

    /// <summary>Checks the values; throws naming <paramref name="option"/> (e.g. "Layers[2]").</summary>
    internal abstract void Validate(string option);

    private protected static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
