using static System.FormattableString;

namespace MnistPipeline.Training;

/// <summary>
/// The rows of one Fit: the training rows, the validation rows (the validation data, or rows
/// kept out of the training data by <see cref="ValidationSplit"/>) and the rows the calibration
/// temperature is fitted on; owns their tensors.
/// </summary>
internal sealed class HeldOutRows : IDisposable
{
    private readonly List<TensorDataset> _owned;

    private HeldOutRows(TensorDataset train, TensorDataset? validation, TensorDataset? calibration, string description,
        string calibrationDescription, List<TensorDataset> owned)
    {
        Train = train;
        Validation = validation;
        CalibrationRows = calibration;
        Description = description;
        CalibrationDescription = calibrationDescription;
        _owned = owned;
    }

    /// <summary>The rows to train on.</summary>
    public TensorDataset Train { get; }

    /// <summary>The rows measured after every epoch (early stopping), or null.</summary>
    public TensorDataset? Validation { get; }

    /// <summary>The rows to fit the calibration temperature on; null when there are none.</summary>
    public TensorDataset? CalibrationRows { get; }

    /// <summary>Where the validation rows come from, for the log header.</summary>
    public string Description { get; }

    /// <summary>What <see cref="CalibrationRows"/> are, for the calibration's log line.</summary>
    public string CalibrationDescription { get; }

    /// <summary>
    /// Reads the training data (and the validation data, when given) and keeps rows out of
    /// training when <see cref="ValidationSplit.FractionFor"/> asks for it.
    /// </summary>
    public static HeldOutRows Load(NetworkTrainerOptions options, TrainingTask task, int seed,
        Func<TensorDataset> loadTrain, Func<TensorDataset>? loadValidation)
    {
        var owned = new List<TensorDataset>();
        try
        {
            var all = loadTrain();
            owned.Add(all);
            if (all.Count == 0)
                throw new InvalidOperationException(
                    $"The training data has no usable rows (rows with a missing label: {all.SkippedMissingLabel}, with non-finite features: {all.SkippedNonFinite}).");
            if (loadValidation is not null)
            {
                var given = loadValidation();
                owned.Add(given);
                if (given.Count == 0)
                    throw new InvalidOperationException("The validation data has no usable rows.");
                string rows = Invariant($"the validation data ({given.Count:N0} rows)");
                return new HeldOutRows(all, given, given, rows, rows, owned);
            }

            double fraction = ValidationSplit.FractionFor(options, task, hasValidationData: false);
            if (ValidationSplit.Split(all, fraction, stratify: task.HasAccuracy, seed) is { } split)
            {
                owned.Add(split.Train);
                owned.Add(split.HeldOut);
                all.Dispose();
                owned.Remove(all);
                return new HeldOutRows(split.Train, split.HeldOut, split.HeldOut, split.Description,
                    Invariant($"the {split.HeldOut.Count:N0} rows kept out of training"), owned);
            }
            if (options.ValidationFraction == 0)
            {
                return new HeldOutRows(all, null, all, "none (ValidationFraction 0: every row trains)",
                    Invariant($"the {all.Count:N0} training rows (ValidationFraction 0: none kept out)"), owned);
            }
            string none = fraction > 0
                ? Invariant($"none ({all.Count:N0} training rows are too few to keep {fraction * 100:0.#}% out)")
                : "none (validation data not given; nothing needs rows kept out)";
            return new HeldOutRows(all, null, null, none, "no held-out rows", owned);
        }
        catch
        {
            foreach (var data in owned)
                data.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var data in _owned)
            data.Dispose();
    }
}
