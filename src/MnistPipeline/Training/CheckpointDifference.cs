namespace MnistPipeline.Training;

/// <summary>One way in which a checkpoint's training run differs from the <c>Fit</c> that found it.</summary>
/// <param name="Item">What differs: an option's name (e.g. "LearningRate"), or a property of the data (e.g. "training rows").</param>
/// <param name="InCheckpoint">Its value when the checkpoint was written ("absent" when the checkpoint does not have the item).</param>
/// <param name="Now">Its value in this <c>Fit</c> ("absent" when only the checkpoint has the item).</param>
public sealed record CheckpointDifference(string Item, string InCheckpoint, string Now)
{
    /// <summary>"Item: checkpoint value, now value".</summary>
    public override string ToString() => $"{Item}: checkpoint {InCheckpoint}, now {Now}";
}
