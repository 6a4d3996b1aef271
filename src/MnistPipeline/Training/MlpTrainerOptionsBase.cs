using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>Options of the network shape shared by the perceptron trainers (<see cref="MlpTrainer"/>, <see cref="MlpBinaryTrainer"/>, <see cref="MlpRegressionTrainer"/>).</summary>
public abstract class MlpTrainerOptionsBase : NetworkTrainerOptions
{
    private protected MlpTrainerOptionsBase()
    {
    }

    /// <summary>Units of each hidden layer, input side first; each ≥ 1; may be empty (a linear model). Default [256, 128].</summary>
    public int[] HiddenLayers { get; set; } = NetworkDefaults.HiddenLayers;

    /// <summary>Activation after every hidden layer. Default <see cref="Networks.Activation.Relu"/>.</summary>
    public Activation Activation { get; set; } = NetworkDefaults.HiddenActivation;

    /// <summary>Dropout probability after every hidden activation, training only; in [0, 1). Default 0.</summary>
    public double Dropout { get; set; } = NetworkDefaults.Dropout;

    /// <summary>Initialization of weights and biases. Default <see cref="Training.WeightInitialization.GlorotUniform"/>.</summary>
    public WeightInitialization WeightInitialization { get; set; } = NetworkDefaults.Initialization;

    /// <summary>
    /// Standardize every feature on the training rows (subtract its mean, divide by its standard
    /// deviation) before the first layer; the trained model reads the features as they are (the
    /// standardization is folded into its first layer). Tables normalized by ML.NET's
    /// <c>NormalizeMeanVariance</c>, which by default divides by the root mean square without
    /// centering, train better standardized. Not applied when continuing from given weights (warm
    /// start). Default true; the presets set false.
    /// </summary>
    public bool StandardizeFeatures { get; set; } = NetworkDefaults.StandardizeFeatures;

    internal override void Validate()
    {
        base.Validate();
        if (HiddenLayers is null)
            throw new ArgumentNullException(nameof(HiddenLayers), "HiddenLayers must be an array (empty for no hidden layer).");
        for (int i = 0; i < HiddenLayers.Length; i++)
            if (HiddenLayers[i] <= 0)
                throw new ArgumentOutOfRangeException(nameof(HiddenLayers), HiddenLayers[i],
                    $"HiddenLayers[{i}] must be ≥ 1 (units of a hidden layer); found {HiddenLayers[i]}.");
        OptionCheck.Defined(Activation, nameof(Activation));
        OptionCheck.Defined(WeightInitialization, nameof(WeightInitialization));
        OptionCheck.InRange(Dropout, 0, 1, nameof(Dropout));
    }

    private protected override void CopyMutableMembers() => HiddenLayers = (int[])HiddenLayers.Clone();
}
