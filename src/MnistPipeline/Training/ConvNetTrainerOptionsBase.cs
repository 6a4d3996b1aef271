using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>Options of the network shape shared by the convolutional network trainers (<see cref="ConvNetTrainer"/>).</summary>
public abstract class ConvNetTrainerOptionsBase : NetworkTrainerOptions
{
    private protected ConvNetTrainerOptionsBase()
    {
        Epochs = ConvNetDefaults.Epochs;
        // The ConvNet keeps its set batch: the adaptive batch of NetworkTrainerOptions is for tables.
        BatchSize = NetworkDefaults.BatchSize;
    }

    /// <summary>
    /// The layers, input side first: convolutions and max pooling, then dense layers, with dropout
    /// anywhere (<see cref="ConvNetLayerSpec"/>'s factory methods make them). At least one
    /// convolution; the output layer (one unit per class) is added after these. Every kernel and
    /// window must fit the image it reads (checked at <c>Fit</c>). Default: conv 16@3×3 + BN,
    /// max pool 2×2, conv 64@3×3 + BN, max pool 2×2, dense 128, dropout 0.25.
    /// </summary>
    public ConvNetLayerSpec[] Layers { get; set; } = ConvNetDefaults.Layers;

    /// <summary>
    /// The shape of the images in the feature column. Default null: the column's own dimensions,
    /// which it must then have: <c>Vector&lt;Single, H, W&gt;</c> (one channel, as <c>ScalePixels</c>
    /// gives for MNIST) or <c>Vector&lt;Single, C, H, W&gt;</c>. Set it for a flat vector (e.g.
    /// after <c>FlattenImage</c>): its size must be the vector's, and it must equal the column's
    /// dimensions when the column has them.
    /// </summary>
    public ImageShape? ImageShape { get; set; }

    /// <summary>Activation after every convolution (and its batch normalization) and every hidden dense layer. Default <see cref="Networks.Activation.Relu"/>.</summary>
    public Activation Activation { get; set; } = NetworkDefaults.HiddenActivation;

    /// <summary>
    /// Initialization of the weights and biases of the convolutions and dense layers (fan-in of a
    /// convolution: input channels × kernel area). Default <see cref="Training.WeightInitialization.LibTorchDefault"/>,
    /// PyTorch's own for <c>nn.Conv2d</c> and <c>nn.Linear</c>.
    /// </summary>
    public WeightInitialization WeightInitialization { get; set; } = ConvNetDefaults.Initialization;

    internal override void Validate()
    {
        base.Validate();
        ConvNetArchitecture.Validate(Layers, nameof(Layers));
        if (ImageShape is { Size: 0 })
            throw new ArgumentOutOfRangeException(nameof(ImageShape), ImageShape,
                "ImageShape must have channels, height and width ≥ 1 (create it with new ImageShape(channels, height, width)), or be null to take the feature column's dimensions.");
        OptionCheck.Defined(Activation, nameof(Activation));
        OptionCheck.Defined(WeightInitialization, nameof(WeightInitialization));
    }

    private protected override void CopyMutableMembers() => Layers = (ConvNetLayerSpec[])Layers?.Clone()!;
}
