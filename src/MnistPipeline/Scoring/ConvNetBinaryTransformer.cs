using Microsoft.ML;
using MnistPipeline.Networks;

namespace MnistPipeline.Scoring;

/// <summary>
/// A trained binary convolutional network, produced by <c>ConvNetBinaryTrainer</c>: adds
/// <c>Score</c> (the logit), <c>Probability</c> and <c>PredictedLabel</c> (Boolean), as ML.NET's
/// binary classifiers do.
/// </summary>
/// <remarks>See <see cref="NetworkTransformer{TModel}"/> for scoring, saving and disposing.</remarks>
public sealed class ConvNetBinaryTransformer : NetworkTransformer<ConvNetModelParameters>
{
    internal ConvNetBinaryTransformer(MLContext mlContext, ConvNetModelParameters model, string featureColumnName, ScoringColumns columns,
        IReadOnlyList<EpochMetrics> history)
        : base(mlContext, model, featureColumnName, columns, labels: null, history)
    {
    }

    /// <summary>Name of the score column (the logit).</summary>
    public string ScoreColumnName => Columns.Score;

    /// <summary>Name of the probability column.</summary>
    public string ProbabilityColumnName => Columns.Probability;

    /// <summary>Name of the predicted-label column (Boolean).</summary>
    public string PredictedLabelColumnName => Columns.PredictedLabel;
}
