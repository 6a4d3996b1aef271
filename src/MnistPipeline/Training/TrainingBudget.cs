using static System.FormattableString;

namespace MnistPipeline.Training;

/// <summary>
/// How long and in which steps a network trains, when the options leave it to the trainer: the
/// rules behind <see cref="NetworkTrainerOptions.Epochs"/> and <see cref="NetworkTrainerOptions.BatchSize"/>
/// set to null (automatic), in one place. A value the user sets is always kept.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description>Batch: <see cref="LargestAutomaticBatch"/> rows, but no more than the training rows ÷ <see cref="MinimumStepsPerEpoch"/>
/// (rounded down to a power of two, at least <see cref="SmallestAutomaticBatch"/>), so that a small table still takes several steps per pass.</description></item>
/// <item><description>Epochs: enough for <see cref="MinimumSteps"/> optimizer steps, at least <see cref="MinimumEpochs"/> and at most
/// <see cref="MaximumEpochs"/>; a large data set (MNIST's 54,000 rows: 422 steps per epoch) gets the minimum, a table of 128 rows hundreds.</description></item>
/// <item><description>Early stopping: with automatic epochs and validation rows (given, or kept out by <see cref="ValidationSplit"/>), stop
/// when the validation loss has not improved for a tenth of the epochs (at least <see cref="MinimumPatience"/>) and restore the best epoch's weights.</description></item>
/// </list>
/// </remarks>
internal sealed record TrainingBudget(int Epochs, int BatchSize, int? EarlyStoppingPatience, string Description)
{
    public const int LargestAutomaticBatch = 128;
    public const int SmallestAutomaticBatch = 8;
    public const int MinimumStepsPerEpoch = 16;
    public const int MinimumSteps = 3000;
    public const int MinimumEpochs = 10;
    public const int MaximumEpochs = 1000;
    public const int MinimumPatience = 5;

    /// <summary>The budget for <paramref name="trainingRows"/> rows with or without validation rows.</summary>
    public static TrainingBudget For(NetworkTrainerOptions options, long trainingRows, bool hasValidationRows)
    {
        var parts = new List<string>();
        int batch;
        if (options.BatchSize is int chosenBatch)
        {
            batch = chosenBatch;
            parts.Add(Invariant($"batch {batch} (set)"));
        }
        else
        {
            batch = AutomaticBatch(trainingRows);
            parts.Add(batch == LargestAutomaticBatch
                ? Invariant($"batch {batch} (automatic)")
                : Invariant($"batch {batch} (automatic: {trainingRows:N0} rows ÷ {MinimumStepsPerEpoch} steps per epoch, as a power of two ≥ {SmallestAutomaticBatch})"));
        }

        long stepsPerEpoch = (trainingRows + batch - 1) / batch;
        int epochs;
        int? patience = options.EarlyStoppingPatience;
        if (options.Epochs is int chosenEpochs)
        {
            epochs = chosenEpochs;
            parts.Add(Invariant($"epochs {epochs} (set)"));
        }
        else
        {
            long forSteps = (MinimumSteps + stepsPerEpoch - 1) / stepsPerEpoch;
            epochs = (int)Math.Clamp(forSteps, MinimumEpochs, MaximumEpochs);
            parts.Add(Invariant($"epochs {epochs} (automatic: at least {MinimumSteps:N0} steps of {stepsPerEpoch:N0} per epoch, {MinimumEpochs}..{MaximumEpochs})"));
            if (patience is null && hasValidationRows)
            {
                patience = Math.Max(MinimumPatience, epochs / 10);
                parts.Add(Invariant($"early stopping after {patience} epochs without a lower validation loss (automatic: a tenth of the epochs, ≥ {MinimumPatience}), best weights restored"));
            }
        }
        if (options.EarlyStoppingPatience is int set)
            parts.Add(Invariant($"early stopping after {set} epochs without a lower validation loss (set), best weights restored"));
        else if (patience is null)
            parts.Add("no early stopping");
        parts.Add(Invariant($"{(long)epochs * stepsPerEpoch:N0} steps planned"));
        return new TrainingBudget(epochs, batch, patience, string.Join("; ", parts));
    }

    /// <summary>The options the training loop runs with: these values in place of the automatic ones.</summary>
    public NetworkTrainerOptions Apply(NetworkTrainerOptions options)
    {
        var resolved = options.Clone();
        resolved.Epochs = Epochs;
        resolved.BatchSize = BatchSize;
        resolved.EarlyStoppingPatience = EarlyStoppingPatience;
        return resolved;
    }

    private static int AutomaticBatch(long rows)
    {
        long target = rows / MinimumStepsPerEpoch;
        if (target >= LargestAutomaticBatch)
            return LargestAutomaticBatch;
        int batch = SmallestAutomaticBatch;
        while (batch * 2 <= target)
            batch *= 2;
        return batch;
    }
}
