namespace MnistPipeline.Images;

/// <summary>Which tone of an image is the background, for <see cref="MnistDigitImage"/>.</summary>
public enum DigitBackground
{
    /// <summary>Decided per image: if the median pixel (the background, as ink covers a minority of the image) is above mid-gray, it is paper and the image is inverted.</summary>
    Auto = 0,

    /// <summary>A light digit on a dark background, as MNIST stores it: not inverted.</summary>
    Dark = 1,

    /// <summary>A dark digit on a light background (ink on paper): inverted.</summary>
    Light = 2,
}
