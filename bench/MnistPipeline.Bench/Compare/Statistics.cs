namespace MnistPipeline.Bench.Compare;

/// <summary>Order statistics used by the bench.</summary>
internal static class Statistics
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>Nearest-rank percentile (p in 0..1) of the values; linear between neighbours.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("No values.", nameof(values));
        double rank = p * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    public static double? MedianOrNull(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        return present.Length == 0 ? null : Median(present);
    }

    public static long? MedianOrNull(IEnumerable<long?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => (double)v!.Value).ToArray();
        return present.Length == 0 ? null : (long)Math.Round(Median(present));
    }
}
