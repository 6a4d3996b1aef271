namespace MnistPipeline.Training;

/// <summary>The loss a regression network minimizes (on standardized targets, averaged over the batch).</summary>
public enum RegressionLoss
{
    /// <summary>Squared error (L2): the mean; sensitive to outliers.</summary>
    SquaredError = 0,

    /// <summary>Absolute error (L1): the median; robust to outliers, slower to converge.</summary>
    AbsoluteError = 1,

    /// <summary>Huber: squared within <c>HuberDelta</c> standard deviations of the target, absolute beyond.</summary>
    Huber = 2,
}
