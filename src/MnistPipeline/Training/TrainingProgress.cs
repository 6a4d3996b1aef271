namespace MnistPipeline.Training;

/// <summary>
/// A progress report every <c>LogEveryNSteps</c> steps; passed to
/// <see cref="NetworkTrainerOptions.ProgressChanged"/>. The same values appear in the log line
/// <c>Step {Step}: Loss is: {Loss} Accuracy: {Accuracy}</c>.
/// </summary>
/// <param name="Epoch">The current epoch, counted from 1.</param>
/// <param name="Epochs">The number of epochs planned.</param>
/// <param name="Step">The global step (batch) index, counted from 0 across epochs.</param>
/// <param name="TotalSteps">The number of steps planned over all epochs.</param>
/// <param name="Loss">The loss of the current step's batch.</param>
/// <param name="Accuracy">Training accuracy over the steps since the previous report (this one included); null for regression.</param>
/// <param name="Elapsed">Wall time since training started.</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    long Step,
    long TotalSteps,
    double Loss,
    double? Accuracy,
    TimeSpan Elapsed)
{
    /// <summary>Estimated time to the end of training, from the mean step time so far.</summary>
    public TimeSpan EstimatedRemaining =>
        Step <= 0 ? TimeSpan.Zero : Elapsed * ((double)(TotalSteps - Step - 1) / (Step + 1));
}
