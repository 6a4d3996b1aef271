namespace MnistPipeline.Training;

/// <summary>
/// Thrown by <c>Fit</c> when <see cref="NetworkTrainerOptions.CheckpointPath"/> holds a checkpoint of
/// another training run: other options, other data, another seed or another warm start. The
/// checkpoint is left as it is. Set <see cref="NetworkTrainerOptions.CheckpointMismatch"/> to
/// <see cref="CheckpointMismatchAction.StartAfresh"/> to train from the start instead.
/// </summary>
public sealed class CheckpointMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception; the message lists every difference.</summary>
    /// <param name="checkpointPath">The checkpoint file.</param>
    /// <param name="differences">What differs, at least one item.</param>
    public CheckpointMismatchException(string checkpointPath, IReadOnlyList<CheckpointDifference> differences)
        : base($"The checkpoint '{checkpointPath}' was written by a different training run, so Fit cannot resume from it. " +
               $"Differences: {string.Join("; ", differences)}. " +
               "Fit with the options and data of that run to resume it; or set CheckpointMismatch = StartAfresh, delete the file, " +
               "or choose another CheckpointPath to train from the start.")
    {
        CheckpointPath = checkpointPath;
        Differences = differences;
    }

    /// <summary>The checkpoint file.</summary>
    public string CheckpointPath { get; }

    /// <summary>Every item that differs between the checkpoint's run and this <c>Fit</c>.</summary>
    public IReadOnlyList<CheckpointDifference> Differences { get; }
}
