namespace MnistPipeline.Training;

/// <summary>The options a trainer keeps: a validated copy, so that later changes to the caller's options do not affect it.</summary>
internal static class CheckedOptions
{
    public static T Of<T>(T options) where T : NetworkTrainerOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = (T)options.Clone();
        copy.Validate();
        return copy;
    }
}
