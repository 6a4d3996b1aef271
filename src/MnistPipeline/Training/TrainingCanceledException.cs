using static System.FormattableString;

namespace MnistPipeline.Training;

/// <summary>
/// Thrown by <c>Fit</c> instead of a plain <see cref="OperationCanceledException"/> when training
/// was cancelled and a checkpoint of the moment was written (<see cref="NetworkTrainerOptions.CheckpointPath"/>
/// with <see cref="NetworkTrainerOptions.CheckpointOnCancellation"/>): a <c>Fit</c> with the same
/// options and data continues from <see cref="Epoch"/> and <see cref="Step"/>.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="checkpointPath">The checkpoint written.</param>
    /// <param name="epoch">The epoch in progress when training stopped, counted from 1.</param>
    /// <param name="step">Steps taken when training stopped, over all epochs.</param>
    /// <param name="cancellation">The cancellation that stopped training.</param>
    public TrainingCanceledException(string checkpointPath, int epoch, long step, OperationCanceledException cancellation)
        : base(Invariant($"Training was canceled at epoch {epoch}, step {step:N0}; a checkpoint was written to '{checkpointPath}'. Fit again with the same options and data to resume."),
            cancellation, cancellation.CancellationToken)
    {
        CheckpointPath = checkpointPath;
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The checkpoint written when training stopped.</summary>
    public string CheckpointPath { get; }

    /// <summary>The epoch in progress when training stopped, counted from 1 (the epoch count + 1 when all had finished).</summary>
    public int Epoch { get; }

    /// <summary>Steps taken when training stopped, over all epochs: the resumed training starts with step <see cref="Step"/> (counted from 0).</summary>
    public long Step { get; }
}
