namespace MnistPipeline.Training;

/// <summary>Range checks of option values, each throwing with the option's name and the value found.</summary>
internal static class OptionCheck
{
    public static void Name(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{name} must name a column.", name);
    }

    public static void Defined<T>(T value, string name) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentOutOfRangeException(name, value, $"{name} has no value {value}; expected one of {string.Join(", ", Enum.GetNames<T>())}.");
    }

    public static void InRange(double value, double inclusiveLow, double exclusiveHigh, string name)
    {
        if (!(value >= inclusiveLow && value < exclusiveHigh))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{inclusiveLow}, {exclusiveHigh}); found {value}.");
    }

    public static void Positive(int value, string name)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be ≥ 1; found {value}.");
    }

    public static void PositiveFinite(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0; found {value}.");
    }
}
