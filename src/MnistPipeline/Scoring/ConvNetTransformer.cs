using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;

namespace MnistPipeline.Scoring;

/// <summary>
/// A trained multiclass convolutional network, produced by <c>ConvNetTrainer</c>: adds <c>Score</c>
/// (calibrated class probabilities, <c>Vector&lt;Single, k&gt;</c>) and <c>PredictedLabel</c> (the
/// training label's key type and key values) to rows that have the feature column (the image, as a
/// vector of its <see cref="ConvNetModelParameters.InputShape"/>'s size, with or without dimensions).
/// </summary>
/// <remarks>See <see cref="NetworkTransformer{TModel}"/> for scoring, saving and disposing.</remarks>
public sealed class ConvNetTransformer : NetworkTransformer<ConvNetModelParameters>
{
    internal ConvNetTransformer(MLContext mlContext, ConvNetModelParameters model, string featureColumnName, ScoringColumns columns,
        DataViewSchema.Column label, IReadOnlyList<EpochMetrics> history)
        : base(mlContext, model, featureColumnName, columns, LabelKeyValues.FromLabel(label), history)
    {
    }

    /// <summary>Name of the score column (class probabilities).</summary>
    public string ScoreColumnName => Columns.Score;

    /// <summary>Name of the predicted-label column (the label's key type).</summary>
    public string PredictedLabelColumnName => Columns.PredictedLabel;
}
