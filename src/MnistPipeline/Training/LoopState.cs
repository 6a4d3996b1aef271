using System.Diagnostics;
using MnistPipeline.Networks;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Everything the training loop changes as it runs, in one place: where it is (epoch, row, step),
/// what it has measured so far (the epoch's loss and hits and the progress window in
/// <see cref="Meters"/>, the history),
/// the early-stopping state with the best weights, and the current epoch's row order. A
/// checkpoint is this state plus the module, the updater and the random generators; a resumed
/// Fit hands the restored state to the loop, which continues as if it had never stopped.
/// </summary>
/// <remarks>
/// The loop changes the state only between steps, so whatever the state holds when a checkpoint
/// is written (at a step, at the end of an epoch, or at a cancellation) is a point it can resume
/// from: an epoch whose rows are all trained but whose validation has not run yet resumes with
/// its validation. The meters keep recent steps' values as tensors until read; the loop reads them
/// before a checkpoint is written, so a checkpoint holds only read values.
/// </remarks>
internal sealed class LoopState : IDisposable
{
    private readonly Stopwatch _clock = new();
    private readonly Stopwatch _epochClock = new();

    /// <summary>The epoch in progress, counted from 1; epochs + 1 once all are done.</summary>
    public int Epoch { get; set; } = 1;

    /// <summary>Rows of the current epoch already trained on (the next batch starts here).</summary>
    public long NextRow { get; set; }

    /// <summary>Steps taken over all epochs (the learning-rate schedule's position).</summary>
    public long Step { get; set; }

    /// <summary>The epoch's loss sum and correct count, and the progress window (the tutorial's accuracy meter).</summary>
    public TrainingMeters Meters { get; } = new();

    /// <summary>The lowest validation loss so far; +∞ before the first validation.</summary>
    public double BestValidationLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Epochs since the validation loss last improved.</summary>
    public int EpochsSinceBest { get; set; }

    /// <summary>The weights of the best epoch (by parameter name), kept when early stopping is on.</summary>
    public Dictionary<string, Tensor>? BestWeights { get; set; }

    /// <summary>Whether early stopping ended training.</summary>
    public bool StoppedEarly { get; set; }

    /// <summary>The completed epochs' metrics.</summary>
    public List<EpochMetrics> History { get; } = [];

    /// <summary>The current epoch's row order (shuffling only); drawn when the epoch starts.</summary>
    public Tensor? Permutation { get; set; }

    /// <summary>Training time spent before this process picked the run up (resume).</summary>
    public TimeSpan ElapsedBefore { get; set; }

    /// <summary>Time the current epoch had already taken before this process picked it up (resume).</summary>
    public TimeSpan EpochElapsedBefore { get; set; }

    /// <summary>Training time so far, across processes.</summary>
    public TimeSpan Elapsed => ElapsedBefore + _clock.Elapsed;

    /// <summary>Time the current epoch has taken so far, across processes.</summary>
    public TimeSpan EpochElapsed => EpochElapsedBefore + _epochClock.Elapsed;

    /// <summary>Whether every planned epoch has run, or early stopping ended training.</summary>
    public bool IsFinished(int epochs) => StoppedEarly || Epoch > epochs;

    /// <summary>Starts the training clock (once per Fit).</summary>
    public void StartClock() => _clock.Start();

    /// <summary>Starts timing the current epoch in this process (at the top of every epoch, resumed or not).</summary>
    public void StartEpochClock() => _epochClock.Restart();

    /// <summary>Moves past one trained batch of <paramref name="rows"/> rows (its measures go to <see cref="Meters"/>).</summary>
    public void Advance(long rows)
    {
        NextRow += rows;
        Step++;
    }

    /// <summary>
    /// Records a validation loss: returns true when it is the best so far (the caller then keeps
    /// the weights), else counts one more epoch without improvement.
    /// </summary>
    public bool RecordValidation(double loss)
    {
        if (loss < BestValidationLoss)
        {
            BestValidationLoss = loss;
            EpochsSinceBest = 0;
            return true;
        }
        EpochsSinceBest++;
        return false;
    }

    /// <summary>Replaces the kept best weights.</summary>
    public void KeepBestWeights(Dictionary<string, Tensor> weights)
    {
        DisposeBestWeights();
        BestWeights = weights;
    }

    /// <summary>Closes the epoch: adds its metrics, decides early stopping, and moves to the start of the next one.</summary>
    public void CompleteEpoch(EpochMetrics metrics, int epochs, int? patience)
    {
        History.Add(metrics);
        if (patience is int p && EpochsSinceBest >= p && Epoch < epochs)
            StoppedEarly = true;
        Epoch++;
        NextRow = 0;
        Meters.StartEpoch();
        Permutation?.Dispose();
        Permutation = null;
        EpochElapsedBefore = TimeSpan.Zero;
        _epochClock.Reset();
    }

    public void Dispose()
    {
        Meters.Dispose();
        Permutation?.Dispose();
        Permutation = null;
        DisposeBestWeights();
    }

    private void DisposeBestWeights()
    {
        if (BestWeights is null)
            return;
        foreach (var tensor in BestWeights.Values)
            tensor.Dispose();
        BestWeights = null;
    }
}
