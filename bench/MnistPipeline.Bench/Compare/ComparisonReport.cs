namespace MnistPipeline.Bench.Compare;

/// <summary>Everything one <c>compare</c> run measured: what the JSON file holds and the Markdown table shows.</summary>
internal sealed record ComparisonReport
{
    public required DateTimeOffset Started { get; init; }
    public required DateTimeOffset Finished { get; init; }
    public required MachineInfo Machine { get; init; }
    public string? Note { get; init; }
    public required int Threads { get; init; }
    public required int Seed { get; init; }
    public required int Repeats { get; init; }
    public required string Command { get; init; }
    public required double[] LoadAverageStartEnd { get; init; }
    public MachineLimit? Limit { get; init; }
    public string? LimitError { get; init; }

    /// <summary>The cursor pass over the trainer's view, per repeat (fresh process each).</summary>
    public IReadOnlyList<CursorPassTiming>? CursorPasses { get; init; }

    /// <summary>Largest absolute weight difference between MlpTrainer and the plain loop of the same recipe, per repeat, by recipe ("tutorial", "recommended").</summary>
    public IReadOnlyDictionary<string, double[]>? WeightDifferences { get; init; }
    public required IReadOnlyList<ContenderSummary> Contenders { get; init; }
    public required IReadOnlyList<TargetCheck> Targets { get; init; }
}
