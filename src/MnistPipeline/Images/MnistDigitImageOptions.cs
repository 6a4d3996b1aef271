namespace MnistPipeline.Images;

/// <summary>How <see cref="MnistDigitImage"/> reads an image.</summary>
public sealed class MnistDigitImageOptions
{
    /// <summary>The values the properties start with.</summary>
    public static class Defaults
    {
        /// <summary>Default of <see cref="Background"/>.</summary>
        public const DigitBackground Background = DigitBackground.Auto;

        /// <summary>
        /// Default of <see cref="MaxPixelCount"/>: 50 million pixels (an 8,000 x 6,000 photo), about
        /// 100 MB while it is decoded.
        /// </summary>
        public const long MaxPixelCount = 50_000_000;
    }

    /// <summary>Which tone is the background; default <see cref="DigitBackground.Auto"/> (from the image's border).</summary>
    public DigitBackground Background { get; set; } = Defaults.Background;

    /// <summary>
    /// The largest image accepted, in pixels (width x height), checked from the file's header
    /// before anything is decoded: a small compressed file can declare a huge image. Default
    /// 50,000,000; at least 1.
    /// </summary>
    public long MaxPixelCount { get; set; } = Defaults.MaxPixelCount;

    /// <summary>The options checked; throws naming the option that is out of range.</summary>
    internal MnistDigitImageOptions Validated()
    {
        if (!Enum.IsDefined(Background))
            throw new ArgumentOutOfRangeException(nameof(Background), Background, $"{nameof(Background)} must be one of {string.Join(", ", Enum.GetNames<DigitBackground>())}.");
        if (MaxPixelCount < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxPixelCount), MaxPixelCount, $"{nameof(MaxPixelCount)} must be ≥ 1.");
        return this;
    }
}
