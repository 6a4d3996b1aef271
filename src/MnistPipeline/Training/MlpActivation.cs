namespace MnistPipeline.Training;

/// <summary>The non-linearity applied after every hidden layer of the perceptron.</summary>
public enum MlpActivation
{
    /// <summary>max(0, x): the default, as in the Keras tutorial.</summary>
    Relu = 0,

    /// <summary>The hyperbolic tangent.</summary>
    Tanh = 1,

    /// <summary>The logistic function 1 / (1 + e^-x).</summary>
    Sigmoid = 2,
}
