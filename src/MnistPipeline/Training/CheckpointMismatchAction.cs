namespace MnistPipeline.Training;

/// <summary>
/// What <c>Fit</c> does when <see cref="NetworkTrainerOptions.CheckpointPath"/> holds a checkpoint
/// of another training run (other options, other data): see <see cref="NetworkTrainerOptions.CheckpointMismatch"/>.
/// </summary>
public enum CheckpointMismatchAction
{
    /// <summary>Throw <see cref="CheckpointMismatchException"/>, naming every difference; the file is left as it is.</summary>
    Fail,

    /// <summary>Log the differences as a warning and train from the start; the first checkpoint written replaces the file.</summary>
    StartAfresh,
}
