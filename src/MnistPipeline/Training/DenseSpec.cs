namespace MnistPipeline.Training;

/// <summary>A fully connected hidden layer in a network's architecture; made by <see cref="ConvNetLayerSpec.Dense"/>.</summary>
/// <param name="Units">Units; ≥ 1.</param>
public sealed record DenseSpec(int Units) : ConvNetLayerSpec
{
    /// <summary>The layer in one line, e.g. "dense 128".</summary>
    public override string ToString() => F($"dense {Units}");

    internal override void Validate(string option)
    {
        if (Units < 1)
            throw new ArgumentOutOfRangeException(option, this, F($"{option}: a dense layer needs ≥ 1 units; found {Units}."));
    }
}
