namespace MnistPipeline.Networks;

/// <summary>What a trained network's outputs mean, and so how they become ML.NET's output columns.</summary>
public enum NetworkTask
{
    /// <summary>
    /// One output (logit) per class; <c>Score</c> is the softmax of the logits divided by the
    /// temperature, <c>PredictedLabel</c> the most probable class.
    /// </summary>
    MulticlassClassification = 0,

    /// <summary>
    /// One output, the logit of the positive class: <c>Score</c> is the logit,
    /// <c>Probability</c> the sigmoid of the logit divided by the temperature, <c>PredictedLabel</c>
    /// is <c>Score &gt; 0</c>.
    /// </summary>
    BinaryClassification = 1,

    /// <summary>One output; <c>Score</c> is the output times the target scale plus the target offset.</summary>
    Regression = 2,
}
