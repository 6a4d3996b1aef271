namespace MnistPipeline.Training;

/// <summary>Default values of the convolutional network trainers, shared by their options and presets.</summary>
internal static class ConvNetDefaults
{
    /// <summary>
    /// The default architecture: two 3×3 convolutions (32 and 64 filters) with batch normalization,
    /// each followed by 2×2 max pooling, a dense layer of 128 and dropout 0.25.
    /// </summary>
    public static ConvNetLayerSpec[] Layers =>
    [
        ConvNetLayerSpec.Convolution(32, kernelSize: 3, batchNormalization: true),
        ConvNetLayerSpec.MaxPooling(2),
        ConvNetLayerSpec.Convolution(64, kernelSize: 3, batchNormalization: true),
        ConvNetLayerSpec.MaxPooling(2),
        ConvNetLayerSpec.Dense(128),
        ConvNetLayerSpec.Dropout(0.25),
    ];

    /// <summary>LeNet-5 with ReLU and max pooling: 6@5×5 (padding 2), pool, 16@5×5, pool, 120, 84.</summary>
    public static ConvNetLayerSpec[] LeNet5Layers =>
    [
        ConvNetLayerSpec.Convolution(6, kernelSize: 5, padding: 2),
        ConvNetLayerSpec.MaxPooling(2),
        ConvNetLayerSpec.Convolution(16, kernelSize: 5),
        ConvNetLayerSpec.MaxPooling(2),
        ConvNetLayerSpec.Dense(120),
        ConvNetLayerSpec.Dense(84),
    ];

    public const int Epochs = 6;
    public const int LeNet5Epochs = 6;
    public const WeightInitialization Initialization = WeightInitialization.LibTorchDefault;
}
