namespace MnistPipeline.Training;

/// <summary>The loss a multiclass network minimizes.</summary>
public enum ClassificationLoss
{
    /// <summary>Softmax cross-entropy (log-loss) of the logits, averaged over the batch.</summary>
    CrossEntropy = 0,

    /// <summary>
    /// Squared error between the raw outputs and the one-hot label, summed over classes and
    /// averaged over the batch: <c>sum((out - one_hot(y))^2) / batchSize</c>, as in the Keras
    /// tutorial this project reproduces.
    /// </summary>
    SquaredError = 1,
}
