using Microsoft.ML;
using MnistPipeline.Networks;

namespace MnistPipeline.Scoring;

/// <summary>
/// A trained binary perceptron, produced by <c>MlpBinaryTrainer</c>: adds, as ML.NET's
/// binary classifiers do, <c>Score</c> (Single: the logit), <c>Probability</c> (Single: the
/// calibrated probability of the positive class) and <c>PredictedLabel</c> (Boolean: <c>Score &gt; 0</c>).
/// </summary>
/// <remarks>See <see cref="NetworkTransformer{TModel}"/> for scoring, saving and disposing.</remarks>
public sealed class MlpBinaryTransformer : NetworkTransformer<MlpModelParameters>
{
    internal MlpBinaryTransformer(MLContext mlContext, MlpModelParameters model, string featureColumnName, ScoringColumns columns,
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
