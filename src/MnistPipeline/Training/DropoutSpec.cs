namespace MnistPipeline.Training;

/// <summary>Dropout in a network's architecture (training only); made by <see cref="ConvNetLayerSpec.Dropout"/>.</summary>
/// <param name="Rate">Probability of zeroing each value; in [0, 1).</param>
public sealed record DropoutSpec(double Rate) : ConvNetLayerSpec
{
    /// <summary>The layer in one line, e.g. "dropout 0.25".</summary>
    public override string ToString() => F($"dropout {Rate}");

    internal override void Validate(string option)
    {
        if (!(Rate >= 0 && Rate < 1))
            throw new ArgumentOutOfRangeException(option, this, F($"{option}: a dropout rate must be in [0, 1); found {Rate}."));
    }
}
