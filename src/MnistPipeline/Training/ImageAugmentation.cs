using static System.FormattableString;

namespace MnistPipeline.Training;

/// <summary>
/// Random distortions of image-shaped features, drawn afresh for every row of every training
/// batch inside the training loop (no second copy of the data): a random affine transform
/// (translation, rotation, scale) and, optionally, an elastic distortion (Simard, Steinkraus and
/// Platt 2003, "Best Practices for Convolutional Neural Networks Applied to Visual Document
/// Analysis"). Used only while training: validation, calibration and scoring see the images as
/// they are. The draws come from the trainer's seeded generator, so the same seed gives the same
/// distortions and the same weights.
/// </summary>
/// <remarks>
/// <para>
/// The image shape: <see cref="ImageHeight"/> and <see cref="ImageWidth"/> when set (both, or
/// neither); otherwise, for <c>ConvNetTrainer</c>, the image its network reads (its column's
/// dimensions or its <c>ImageShape</c> option); otherwise the dimensions of the feature column's vector type, <c>[height, width]</c>
/// or <c>[channels, height, width]</c> (e.g. <c>ScalePixels</c> keeps MNIST's
/// <c>Vector&lt;Single, 28, 28&gt;</c>). A flattened column (<c>FlattenImage</c> gives
/// <c>Vector&lt;Single, 784&gt;</c>) has no dimensions, so set the shape here. The features are read
/// as channel-major rows (channels × height × width, row by row), the layout of <c>FlattenImage</c>;
/// the feature count must be a multiple of height × width.
/// </para>
/// <para>
/// Pixels that come from outside the image are 0, the background of images scaled to 0..1 by
/// <c>ScalePixels</c>: augment images whose background is 0, not standardized features.
/// </para>
/// </remarks>
public sealed record ImageAugmentation
{
    /// <summary>Largest size of the augmentation's pixel distances, in pixels.</summary>
    private const double MaxPixels = 64;

    /// <summary>Image height in pixels; ≥ 1, with <see cref="ImageWidth"/>. Default null: the network's image (ConvNetTrainer) or the feature column's dimensions.</summary>
    public int? ImageHeight { get; init; }

    /// <summary>Image width in pixels; ≥ 1, with <see cref="ImageHeight"/>. Default null: the network's image (ConvNetTrainer) or the feature column's dimensions.</summary>
    public int? ImageWidth { get; init; }

    /// <summary>Largest translation in each direction, in pixels, drawn uniformly from [−value, value]; in [0, 64]. Default 2.</summary>
    public double MaxShift { get; init; } = 2;

    /// <summary>Largest rotation in degrees, drawn uniformly from [−value, value]; in [0, 180]. Default 10.</summary>
    public double MaxRotationDegrees { get; init; } = 10;

    /// <summary>Largest relative change of size, the zoom drawn uniformly from [1 − value, 1 + value]; in [0, 0.5]. Default 0.1.</summary>
    public double MaxScale { get; init; } = 0.1;

    /// <summary>
    /// Strength of the elastic distortion in pixels (Simard et al.'s α): a displacement field of
    /// uniform noise in [−1, 1] smoothed by a Gaussian of <see cref="ElasticSigma"/> and scaled by
    /// this; in [0, 64]. Default 0: no elastic distortion.
    /// </summary>
    public double ElasticAlpha { get; init; }

    /// <summary>Smoothness of the elastic distortion: the Gaussian's standard deviation in pixels (Simard et al.'s σ); in (0, 64]. Default 4.</summary>
    public double ElasticSigma { get; init; } = 4;

    /// <summary>Checks every setting; throws naming the first one out of range as <c>Augmentation.Name</c>.</summary>
    internal void Validate()
    {
        if (ImageHeight.HasValue != ImageWidth.HasValue)
            throw new ArgumentException(
                $"Augmentation.{nameof(ImageHeight)} and Augmentation.{nameof(ImageWidth)} must be set together (found {Show(ImageHeight)} and {Show(ImageWidth)}), or both left null to take the shape from the feature column.",
                Name(ImageHeight.HasValue ? nameof(ImageWidth) : nameof(ImageHeight)));
        if (ImageHeight is { } h)
            OptionCheck.Positive(h, Name(nameof(ImageHeight)));
        if (ImageWidth is { } w)
            OptionCheck.Positive(w, Name(nameof(ImageWidth)));
        Within(MaxShift, 0, MaxPixels, nameof(MaxShift));
        Within(MaxRotationDegrees, 0, 180, nameof(MaxRotationDegrees));
        Within(MaxScale, 0, 0.5, nameof(MaxScale));
        Within(ElasticAlpha, 0, MaxPixels, nameof(ElasticAlpha));
        if (!(ElasticSigma > 0 && ElasticSigma <= MaxPixels))
            throw new ArgumentOutOfRangeException(Name(nameof(ElasticSigma)), ElasticSigma,
                Invariant($"{Name(nameof(ElasticSigma))} must be in (0, {MaxPixels}]; found {ElasticSigma}."));
    }

    /// <summary>The settings for the log header.</summary>
    internal string Describe()
    {
        string elastic = ElasticAlpha > 0 ? Invariant($", elastic α {ElasticAlpha} px σ {ElasticSigma} px") : ", no elastic distortion";
        return Invariant($"shift ±{MaxShift} px, rotation ±{MaxRotationDegrees}°, scale ±{MaxScale * 100:0.#}%{elastic}");
    }

    private static void Within(double value, double low, double high, string name)
    {
        if (!(value >= low && value <= high))
            throw new ArgumentOutOfRangeException(Name(name), value, Invariant($"{Name(name)} must be in [{low}, {high}]; found {value}."));
    }

    private static string Name(string property) => $"{nameof(NetworkTrainerOptions.Augmentation)}.{property}";

    private static string Show(int? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null";
}
