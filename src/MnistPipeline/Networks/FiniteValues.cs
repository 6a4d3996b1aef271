namespace MnistPipeline.Networks;

/// <summary>The check every weight array of a trained network passes: all values finite.</summary>
internal static class FiniteValues
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first value that is NaN or infinite.</summary>
    public static void Require(ReadOnlySpan<float> values, string what, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{what}: value {i} is {values[i]}; every value must be finite.", paramName);
    }
}
