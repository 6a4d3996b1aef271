namespace MnistPipeline.Networks;

/// <summary>The non-linearity applied after a hidden layer.</summary>
public enum Activation
{
    /// <summary>max(0, x): the default, as in the Keras tutorial.</summary>
    Relu = 0,

    /// <summary>The hyperbolic tangent.</summary>
    Tanh = 1,

    /// <summary>The logistic function 1 / (1 + e^-x).</summary>
    Sigmoid = 2,
}
