namespace MnistPipeline.Training;

/// <summary>How a classifier's raw outputs become the probabilities of its scores.</summary>
public enum ProbabilityCalibration
{
    /// <summary>No fit: the softmax (multiclass) or sigmoid (binary) of the raw outputs, temperature 1.</summary>
    None = 0,

    /// <summary>
    /// Temperature scaling (Guo, Pleiss, Sun and Weinberger 2017, "On Calibration of Modern Neural
    /// Networks"): after training, one temperature T is fitted on held-out rows to minimize their
    /// log-loss, and the scores become softmax(outputs / T) (binary: sigmoid(logit / T)). The
    /// predicted class never changes; only how sure the model says it is.
    /// </summary>
    Temperature = 1,
}
