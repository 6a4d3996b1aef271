namespace MnistPipeline.Training;

/// <summary>How the learning rate changes during training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The learning rate stays at its initial value.</summary>
    Constant = 0,

    /// <summary>
    /// Cosine decay from the initial value to zero over all training steps (updated every step).
    /// </summary>
    Cosine = 1,
}
