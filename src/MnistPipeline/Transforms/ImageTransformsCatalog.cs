using Microsoft.ML;

namespace MnistPipeline.Transforms;

/// <summary>Image preprocessing steps for <c>mlContext.Transforms</c>: scale pixels to 0-1, flatten to one dimension.</summary>
public static class ImageTransformsCatalog
{
    /// <summary>
    /// Scales pixels from 0-255 to 0-1 (x / 255), keeping the image's dimensions:
    /// <c>Vector&lt;Byte, 28, 28&gt;</c> becomes <c>Vector&lt;Single, 28, 28&gt;</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog, <c>mlContext.Transforms</c>.</param>
    /// <param name="outputColumnName">The column that receives the scaled pixels.</param>
    /// <param name="inputColumnName">A known-size vector of Byte or Single; <see langword="null"/> for <paramref name="outputColumnName"/>.</param>
    /// <returns>An estimator whose fitted transformer is a savable chain of stock ML.NET transformers.</returns>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.ScalePixels("Pixels", "Image")
    ///     .Append(mlContext.Transforms.FlattenImage("Features", "Pixels"));
    /// </code>
    /// </example>
    public static ScalePixelsEstimator ScalePixels(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        return new ScalePixelsEstimator(catalog, outputColumnName, inputColumnName ?? outputColumnName);
    }

    /// <summary>
    /// Flattens a multi-dimensional vector to one dimension, same item type, row-major:
    /// <c>Vector&lt;Single, 28, 28&gt;</c> becomes <c>Vector&lt;Single, 784&gt;</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog, <c>mlContext.Transforms</c>.</param>
    /// <param name="outputColumnName">The column that receives the flat vector.</param>
    /// <param name="inputColumnName">A known-size vector; <see langword="null"/> for <paramref name="outputColumnName"/>.</param>
    /// <returns>An estimator whose fitted transformer is a savable chain of stock ML.NET transformers.</returns>
    /// <example>
    /// <code>
    /// var pipeline = mlContext.Transforms.ScalePixels("Pixels", "Image")
    ///     .Append(mlContext.Transforms.FlattenImage("Features", "Pixels"));
    /// </code>
    /// </example>
    public static FlattenImageEstimator FlattenImage(this TransformsCatalog catalog, string outputColumnName, string? inputColumnName = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        return new FlattenImageEstimator(catalog, outputColumnName, inputColumnName ?? outputColumnName);
    }
}
