namespace MnistPipeline.Training;

/// <summary>The gradient-descent method.</summary>
public enum NetworkOptimizer
{
    /// <summary>Stochastic gradient descent, with optional momentum.</summary>
    Sgd = 0,

    /// <summary>Adam (Kingma and Ba, 2015). With weight decay it is AdamW (decoupled decay).</summary>
    Adam = 1,
}
