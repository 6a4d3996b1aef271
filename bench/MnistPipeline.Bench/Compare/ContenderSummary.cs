namespace MnistPipeline.Bench.Compare;

/// <summary>
/// A contender over all repeats: <see cref="Median"/> holds the median of every measured value
/// (the epoch time is the median of each run's median epoch); <see cref="Runs"/> every run.
/// </summary>
internal sealed record ContenderSummary(string Contender, ContenderResult? Median, IReadOnlyList<ContenderResult> Runs, IReadOnlyList<string> Errors)
{
    public bool Failed => Errors.Count > 0;

    public static ContenderSummary From(string contender, IReadOnlyList<ContenderResult> runs, IReadOnlyList<string> errors)
    {
        if (runs.Count == 0)
            return new ContenderSummary(contender, null, runs, errors);
        var first = runs[0];
        if (first.Skipped is not null)
            return new ContenderSummary(contender, first, runs, errors);
        var median = first with
        {
            TrainWallSeconds = Statistics.MedianOrNull(runs.Select(r => r.TrainWallSeconds)),
            DataPrepSeconds = Statistics.MedianOrNull(runs.Select(r => r.DataPrepSeconds)),
            EpochSeconds = runs.Count == 1 ? first.EpochSeconds : null,
            EpochSecondsMedian = Statistics.MedianOrNull(runs.Select(r => r.EpochSecondsMedian)),
            TrainSamplesPerSecond = Statistics.MedianOrNull(runs.Select(r => r.TrainSamplesPerSecond)),
            TestAccuracy = Statistics.MedianOrNull(runs.Select(r => r.TestAccuracy)),
            LogLoss = Statistics.MedianOrNull(runs.Select(r => r.LogLoss)),
            ExpectedCalibrationError = Statistics.MedianOrNull(runs.Select(r => r.ExpectedCalibrationError)),
            Temperature = Statistics.MedianOrNull(runs.Select(r => r.Temperature)),
            LogLossUncalibrated = Statistics.MedianOrNull(runs.Select(r => r.LogLossUncalibrated)),
            ExpectedCalibrationErrorUncalibrated = Statistics.MedianOrNull(runs.Select(r => r.ExpectedCalibrationErrorUncalibrated)),
            LoadedModelAccuracy = Statistics.MedianOrNull(runs.Select(r => r.LoadedModelAccuracy)),
            PeakRssAfterTrainBytes = Statistics.MedianOrNull(runs.Select(r => r.PeakRssAfterTrainBytes)),
            PeakRssBytes = Statistics.MedianOrNull(runs.Select(r => r.PeakRssBytes)),
            ModelFileBytes = Statistics.MedianOrNull(runs.Select(r => r.ModelFileBytes)),
            LatencyP50Microseconds = Statistics.MedianOrNull(runs.Select(r => r.LatencyP50Microseconds)),
            LatencyP99Microseconds = Statistics.MedianOrNull(runs.Select(r => r.LatencyP99Microseconds)),
            LatencyAccuracy = Statistics.MedianOrNull(runs.Select(r => r.LatencyAccuracy)),
            BulkRowsPerSecond = Statistics.MedianOrNull(runs.Select(r => r.BulkRowsPerSecond)),
            BulkRunsRowsPerSecond = runs.Count == 1 ? first.BulkRunsRowsPerSecond : null,
            LoadAverage = null,
        };
        return new ContenderSummary(contender, median, runs, errors);
    }
}
