using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Schema;

namespace MnistPipeline.Training;

/// <summary>
/// The checks of a convolutional network's architecture: the layer list on its own (when the
/// options are validated), the image shape of the feature column, and the layers on that image
/// (at <c>Fit</c>, when the shape is known). Errors name the option and the layer.
/// </summary>
internal static class ConvNetArchitecture
{
    /// <summary>What <c>Layers</c> must look like: at least one convolution; feature layers (convolution, pooling) before the dense ones.</summary>
    public static void Validate(ConvNetLayerSpec[]? layers, string option)
    {
        if (layers is null)
            throw new ArgumentNullException(option, $"{option} must list the network's layers (at least one convolution).");
        int firstDense = -1;
        bool convolution = false;
        for (int i = 0; i < layers.Length; i++)
        {
            string name = $"{option}[{i}]";
            var layer = layers[i] ?? throw new ArgumentNullException(option, $"{name} is null.");
            layer.Validate(name);
            switch (layer)
            {
                case ConvolutionSpec or MaxPoolingSpec when firstDense >= 0:
                    throw new ArgumentException(
                        $"{name} ({layer}) comes after the dense layer {option}[{firstDense}]; convolutions and pooling come first, dense layers after them.", option);
                case ConvolutionSpec:
                    convolution = true;
                    break;
                case DenseSpec when firstDense < 0:
                    firstDense = i;
                    break;
            }
        }
        if (!convolution)
            throw new ArgumentException($"{option} has no convolution; a convolutional network needs at least one (use MlpTrainer for a network of dense layers only).", option);
    }

    /// <summary>
    /// The image shape of the feature column: its dimensions when it has 2 (H × W, one channel) or
    /// 3 (C × H × W); else <paramref name="option"/>, whose size must be the vector's. When both
    /// are there they must agree.
    /// </summary>
    public static ImageShape ImageShapeOf(DataViewSchema.Column column, ImageShape? option, string optionName, string where, string paramName)
    {
        var type = (VectorDataViewType)column.Type;
        var fromColumn = ImageShape.FromDimensions(type.Dimensions);
        string found = ColumnCheck.Describe(type);
        if (option is { } given)
        {
            if (fromColumn is { } shape && shape != given)
                throw ColumnCheck.Mismatch(paramName, column.Name, $"an image of {optionName} {given}", $"{found}, an image of {shape}", "feature", where,
                    $"Set {optionName} to {shape} or leave it null to take the column's shape.");
            if (given.Size != type.Size)
                throw ColumnCheck.Mismatch(paramName, column.Name, $"{given.Size} values, an image of {optionName} {given}", found, "feature", where,
                    $"Set {optionName} to the shape of the images in this column.");
            return given;
        }
        return fromColumn ?? throw ColumnCheck.Mismatch(paramName, column.Name,
            "an image: Vector<Single, H, W> or Vector<Single, C, H, W>, or a flat vector with the option " + optionName, found, "feature", where,
            $"Set {optionName} (e.g. new ImageShape(1, 28, 28) for MNIST), or keep the image's dimensions (ScalePixels keeps them; FlattenImage drops them).");
    }

    /// <summary>The layers on <paramref name="image"/>: every kernel and window must fit the image it reads.</summary>
    public static void CheckFits(ConvNetLayerSpec[] layers, ImageShape image, string option, string featureColumn)
    {
        var shape = image;
        for (int i = 0; i < layers.Length; i++)
        {
            var next = layers[i] switch
            {
                ConvolutionSpec c => Next(shape, c.Channels, c.KernelSize, c.Stride, c.Padding),
                MaxPoolingSpec p => Next(shape, shape.Channels, p.KernelSize, p.Stride, 0),
                _ => shape,
            };
            if (next is not { } fits)
            {
                string place = i == 0 ? $"the image of '{featureColumn}'" : $"the output of {option}[0..{i - 1}] on the {image} image of '{featureColumn}'";
                throw new ArgumentException(
                    $"{option}[{i}] ({layers[i]}) does not fit its input: {place} is {shape.Height}×{shape.Width} pixels. Use a smaller kernel or window, padding, or fewer pooling layers.", option);
            }
            shape = fits;
        }
    }

    private static ImageShape? Next(ImageShape input, int channels, int kernel, int stride, int padding)
    {
        int height = ConvNetLayer.OutputSide(input.Height, kernel, stride, padding), width = ConvNetLayer.OutputSide(input.Width, kernel, stride, padding);
        return height < 1 || width < 1 ? null : new ImageShape(channels, height, width);
    }
}
