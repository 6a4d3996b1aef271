namespace MnistPipeline.Training.Checkpoints;

/// <summary>The checks of the checkpoint options, kept here so that the options class only calls them.</summary>
internal static class CheckpointSettings
{
    public static void Validate(NetworkTrainerOptions options)
    {
        OptionCheck.Defined(options.CheckpointMismatch, nameof(options.CheckpointMismatch));
        if (options.CheckpointPath is { } path)
        {
            if (string.IsNullOrWhiteSpace(path))
                throw new ArgumentException("CheckpointPath must name a file, or be null for no checkpoints.", nameof(options.CheckpointPath));
            if (path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar) || Directory.Exists(path))
                throw new ArgumentException($"CheckpointPath must name a file, not a folder; found '{path}'.", nameof(options.CheckpointPath));
        }
        if (options.CheckpointEveryNSteps is { } every)
        {
            OptionCheck.Positive(every, nameof(options.CheckpointEveryNSteps));
            if (options.CheckpointPath is null)
                throw new ArgumentException("CheckpointEveryNSteps needs CheckpointPath: set the file to write the checkpoints to.", nameof(options.CheckpointEveryNSteps));
        }
    }
}
