using static System.FormattableString;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The rows kept out of training when no validation data is given, as Keras' <c>validation_split</c>
/// and scikit-learn's <c>early_stopping</c> do: a seeded random <see cref="NetworkTrainerOptions.ValidationFraction"/>
/// of the training rows (stratified by class for classification, so that every class keeps its
/// share), measured after every epoch, used for early stopping and to fit the calibration temperature.
/// </summary>
internal static class ValidationSplit
{
    /// <summary>The fraction kept out when one is needed and none is set: 10%, as scikit-learn's <c>validation_fraction</c>.</summary>
    public const double DefaultFraction = 0.1;

    /// <summary>Mixed into the seed so that the split does not share its random stream with initialization and shuffling.</summary>
    private const ulong SeedSalt = 0x5EED_5B17_0000_0001;

    /// <summary>
    /// Whether rows are kept out and which fraction: the option when set; otherwise
    /// <see cref="DefaultFraction"/> when something needs held-out rows (automatic epochs stop
    /// early on them; temperature calibration fits on them); otherwise none.
    /// </summary>
    public static double FractionFor(NetworkTrainerOptions options, TrainingTask task, bool hasValidationData)
    {
        if (hasValidationData)
            return 0;
        if (options.ValidationFraction is double fraction)
            return fraction;
        bool calibrates = task.HasAccuracy && options.Calibration == ProbabilityCalibration.Temperature;
        bool stopsEarly = options.Epochs is null || options.EarlyStoppingPatience is not null;
        return calibrates || stopsEarly ? DefaultFraction : 0;
    }

    /// <summary>
    /// Splits <paramref name="data"/> into the rows to train on and the rows kept out; null when
    /// the fraction keeps no row out (too few rows, or a fraction of 0).
    /// </summary>
    public static (TensorDataset Train, TensorDataset HeldOut, string Description)? Split(TensorDataset data, double fraction, bool stratify, int seed)
    {
        if (fraction <= 0)
            return null;
        long rows = data.Count;
        using var generator = new Generator((ulong)seed ^ SeedSalt);
        using var order = torch.randperm(rows, generator: generator);
        long[] permutation = order.data<long>().ToArray();
        long[] groups = stratify ? Groups(data.Labels) : new long[rows];

        // Each group keeps out round(fraction × its size) of its rows, the first ones in the random order.
        var groupSizes = new Dictionary<long, long>();
        foreach (long g in groups)
            groupSizes[g] = groupSizes.GetValueOrDefault(g) + 1;
        var quota = groupSizes.ToDictionary(kv => kv.Key, kv => (long)Math.Round(fraction * kv.Value, MidpointRounding.AwayFromZero));
        var heldOut = new List<long>();
        var kept = new List<long>();
        foreach (long row in permutation)
        {
            long g = groups[row];
            if (quota[g] > 0)
            {
                quota[g]--;
                heldOut.Add(row);
            }
            else
            {
                kept.Add(row);
            }
        }
        if (heldOut.Count == 0 || kept.Count == 0)
            return null;
        // Training rows keep their original order (the loop shuffles, or not, as asked).
        kept.Sort();
        heldOut.Sort();
        using var keptIndex = torch.tensor(kept.ToArray(), device: data.Features.device);
        using var heldOutIndex = torch.tensor(heldOut.ToArray(), device: data.Features.device);
        string how = stratify ? "stratified by class" : "random";
        string description = Invariant($"{heldOut.Count:N0} of the {rows:N0} training rows ({fraction * 100:0.#}%, {how}, seeded) kept out of training");
        return (data.Take(keptIndex), data.Take(heldOutIndex), description);
    }

    /// <summary>The class of every row: the Int64 class index, or the 0/1 of a binary label.</summary>
    private static long[] Groups(Tensor labels)
    {
        using var cpu = labels.cpu();
        return labels.dtype == ScalarType.Int64
            ? cpu.data<long>().ToArray()
            : cpu.data<float>().Select(v => v > 0.5f ? 1L : 0L).ToArray();
    }
}
