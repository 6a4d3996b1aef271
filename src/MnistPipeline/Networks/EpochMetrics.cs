namespace MnistPipeline.Networks;

/// <summary>What one training epoch achieved; passed to the trainers' <c>EpochCompleted</c> callback and kept in <c>TrainingHistory</c>.</summary>
/// <param name="Epoch">The epoch, counted from 1.</param>
/// <param name="Epochs">The number of epochs planned.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's batches (weighted by batch size).</param>
/// <param name="TrainingAccuracy">Fraction of the epoch's training rows predicted right while training (before each step's update); null for regression.</param>
/// <param name="ValidationLoss">Mean loss on the validation data after the epoch, or null without validation data.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data after the epoch, or null without validation data or for regression.</param>
/// <param name="LearningRate">The learning rate at the end of the epoch.</param>
/// <param name="Elapsed">Wall time of the epoch, validation included.</param>
public sealed record EpochMetrics(
    int Epoch,
    int Epochs,
    double TrainingLoss,
    double? TrainingAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    TimeSpan Elapsed);
