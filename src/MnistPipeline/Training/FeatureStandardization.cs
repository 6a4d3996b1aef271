using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Standardization of the features (<see cref="MlpTrainerOptionsBase.StandardizeFeatures"/>): every
/// feature is centered on its mean over the training rows and divided by its standard deviation
/// there (a constant feature is only centered), in the rows the network trains and is measured
/// on. The trained model reads the features as they are: the mapping is folded into the first
/// layer when the model is exported (W((x − μ) / σ) + b = (W / σ)x + (b − (W / σ)μ)).
/// </summary>
/// <remarks>
/// ML.NET's <c>NormalizeMeanVariance</c> with its default <c>fixZero: true</c> divides by the root
/// mean square and does not center: a UCI wine feature such as alcohol (13.0 ± 0.8) arrives as
/// 1.00 ± 0.06, and the features that vary least relative to their size are nearly invisible to a
/// network at its initial weights. Measured on wine, 5 folds: 0.966 as given, 0.978 standardized
/// (scikit-learn's MLP: 0.966 on the same unstandardized features, 0.983 with its StandardScaler).
/// </remarks>
internal sealed class FeatureStandardization
{
    internal FeatureStandardization(float[] mean, float[] scale)
    {
        Mean = mean;
        Scale = scale;
    }

    /// <summary>Each feature's mean over the training rows.</summary>
    public float[] Mean { get; }

    /// <summary>Each feature's standard deviation over the training rows (1 where it is 0).</summary>
    public float[] Scale { get; }

    /// <summary>
    /// Computes the means and deviations on the training rows and standardizes, in place, the
    /// training, validation and calibration rows (each distinct dataset once).
    /// </summary>
    public static FeatureStandardization Apply(HeldOutRows rows)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var features = rows.Train.Features;
        var mean = features.mean([0L]);
        var std = features.std(0, unbiased: false);
        var scale = torch.where(std.gt(0), std, torch.ones_like(std));
        foreach (var data in new[] { rows.Train, rows.Validation, rows.CalibrationRows }.OfType<TensorDataset>().Distinct())
            data.Features.sub_(mean).div_(scale);
        return new FeatureStandardization(mean.cpu().data<float>().ToArray(), scale.cpu().data<float>().ToArray());
    }
}
