using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The training loop's running measures, all in one place: the epoch's loss sum and correct
/// count, and the tutorial's accuracy window (rows predicted right since the last progress report).
/// </summary>
/// <remarks>
/// Each step's loss and correct count arrive as scalar tensors and stay tensors until the loop
/// needs a value (a progress report, the end of an epoch, or <see cref="MaxPending"/> steps): then
/// <see cref="Read"/> copies them out with one call per kind and adds them up in the order and
/// arithmetic of a per-step <c>.item()</c> (double sums of float losses × rows), so the values are
/// the same; only when they are read changes. Reading one value per step costs a native call and
/// an allocation each, a visible share of a small step. After <see cref="Read"/> nothing is
/// pending, so the mid-epoch state is <see cref="EpochLossSum"/>, <see cref="EpochCorrect"/>,
/// <see cref="WindowCorrect"/> and <see cref="WindowRows"/>.
/// </remarks>
internal sealed class TrainingMeters : IDisposable
{
    /// <summary>Steps kept as tensors before they are read anyway (bounds memory and tensor count).</summary>
    public const int MaxPending = 256;

    private readonly List<PendingStep> _pending = [];

    /// <summary>Σ loss × rows over the epoch's steps read so far.</summary>
    public double EpochLossSum { get; private set; }

    /// <summary>Rows predicted right in the epoch's steps read so far.</summary>
    public long EpochCorrect { get; private set; }

    /// <summary>Rows predicted right since the last <see cref="TakeWindowAccuracy"/>.</summary>
    public long WindowCorrect { get; private set; }

    /// <summary>Rows trained since the last <see cref="TakeWindowAccuracy"/>.</summary>
    public long WindowRows { get; private set; }

    /// <summary>The loss of the last step read.</summary>
    public float LastLoss { get; private set; }

    /// <summary>Whether <see cref="MaxPending"/> steps wait to be read.</summary>
    public bool IsFull => _pending.Count >= MaxPending;

    /// <summary>Whether steps wait to be read (a checkpoint records the measures only once they are read).</summary>
    public bool HasPending => _pending.Count > 0;

    /// <summary>Sets the measures read so far, as a checkpoint recorded them (resume); nothing may be pending.</summary>
    public void Restore(double epochLossSum, long epochCorrect, long windowCorrect, long windowRows)
    {
        if (HasPending)
            throw new InvalidOperationException("The meters have steps that were not read.");
        EpochLossSum = epochLossSum;
        EpochCorrect = epochCorrect;
        WindowCorrect = windowCorrect;
        WindowRows = windowRows;
    }

    /// <summary>Keeps one step's results; takes ownership of the tensors (detach them from any dispose scope first).</summary>
    public void Add(Tensor loss, Tensor? correct, long rows, int epoch, long step) => _pending.Add(new PendingStep(loss, correct, rows, epoch, step));

    /// <summary>
    /// Reads the pending steps and adds them up. Returns the first step whose loss is NaN or
    /// infinite (the steps before it are added, it and the later ones are not); null when all are finite.
    /// </summary>
    public (float Loss, int Epoch, long Step)? Read()
    {
        if (_pending.Count == 0)
            return null;
        try
        {
            var (losses, correct) = Values();
            for (int i = 0; i < _pending.Count; i++)
            {
                var step = _pending[i];
                if (!float.IsFinite(losses[i]))
                    return (losses[i], step.Epoch, step.Step);
                EpochLossSum += losses[i] * step.Rows;
                EpochCorrect += correct[i];
                WindowCorrect += correct[i];
                WindowRows += step.Rows;
                LastLoss = losses[i];
            }
            return null;
        }
        finally
        {
            DisposePending();
        }
    }

    /// <summary>Starts the epoch's sums at zero (the accuracy window runs across epochs, as the tutorial's meter).</summary>
    public void StartEpoch()
    {
        EpochLossSum = 0;
        EpochCorrect = 0;
    }

    /// <summary>Training accuracy over the rows since the last call, then starts a new window.</summary>
    public double TakeWindowAccuracy()
    {
        double accuracy = WindowRows == 0 ? 0 : (double)WindowCorrect / WindowRows;
        WindowCorrect = 0;
        WindowRows = 0;
        return accuracy;
    }

    public void Dispose() => DisposePending();

    /// <summary>The pending losses and correct counts, copied out with one native read each.</summary>
    private (float[] Losses, long[] Correct) Values()
    {
        using var scope = torch.NewDisposeScope();
        var losses = torch.stack(_pending.Select(p => p.Loss)).cpu().data<float>().ToArray();
        var correct = _pending[0].Correct is null
            ? new long[_pending.Count]
            : torch.stack(_pending.Select(p => p.Correct!)).cpu().data<long>().ToArray();
        return (losses, correct);
    }

    private void DisposePending()
    {
        foreach (var step in _pending)
        {
            step.Loss.Dispose();
            step.Correct?.Dispose();
        }
        _pending.Clear();
    }

    private readonly record struct PendingStep(Tensor Loss, Tensor? Correct, long Rows, int Epoch, long Step);
}
