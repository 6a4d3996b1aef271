using Microsoft.ML;
using MnistPipeline.Networks;

namespace MnistPipeline.Scoring;

/// <summary>
/// A trained regression convolutional network, produced by <c>ConvNetRegressionTrainer</c>: adds
/// <c>Score</c> (Single: the prediction, in the label's own units), as ML.NET's regressors do.
/// </summary>
/// <remarks>See <see cref="NetworkTransformer{TModel}"/> for scoring, saving and disposing.</remarks>
public sealed class ConvNetRegressionTransformer : NetworkTransformer<ConvNetModelParameters>
{
    internal ConvNetRegressionTransformer(MLContext mlContext, ConvNetModelParameters model, string featureColumnName, ScoringColumns columns,
        IReadOnlyList<EpochMetrics> history)
        : base(mlContext, model, featureColumnName, columns, labels: null, history)
    {
    }

    /// <summary>Name of the score column (the prediction).</summary>
    public string ScoreColumnName => Columns.Score;
}
