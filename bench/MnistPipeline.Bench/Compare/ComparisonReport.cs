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
    public required IReadOnlyList<ContenderSummary> Contenders { get; init; }
    public required IReadOnlyList<TargetCheck> Targets { get; init; }
}
