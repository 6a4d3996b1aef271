namespace MnistPipeline.Schema;

/// <summary>ML.NET's conventional column names (its own <c>DefaultColumnNames</c> is internal).</summary>
internal static class DefaultColumnNames
{
    public const string Features = "Features";
    public const string Label = "Label";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
    public const string Probability = "Probability";
}
