namespace MnistPipeline.Training;

/// <summary>How the weights and biases of every layer are initialized (before training, unless a warm start gives them).</summary>
public enum WeightInitialization
{
    /// <summary>
    /// Glorot (Xavier) uniform weights in ±sqrt(6 / (fanIn + fanOut)) and zero biases: the
    /// Keras default, used by the tutorial.
    /// </summary>
    GlorotUniform = 0,

    /// <summary>
    /// PyTorch's <c>nn.Linear</c> default: weights and biases uniform in ±1 / sqrt(fanIn).
    /// </summary>
    LibTorchDefault = 1,
}
