using MnistPipeline.Scoring;

namespace MnistPipeline.Networks.Onnx;

/// <summary>
/// Names of a network graph's input and outputs. The scoring chain uses its own helper names
/// (<see cref="ForScoring"/>); an exported file uses readable ones (<see cref="ForExport"/>).
/// </summary>
/// <param name="Features">The input: the feature vector of one row.</param>
/// <param name="Score">
/// Multiclass: the class probabilities [k]. Binary: the logit [1]. Regression: the prediction [1].
/// </param>
/// <param name="ClassIndex">Multiclass: the arg-max, 0-based, as Int64 [1].</param>
/// <param name="Probability">Binary: the calibrated probability of the positive class [1].</param>
internal sealed record OnnxOutputNames(string Features, string Score, string ClassIndex, string Probability)
{
    /// <summary>Names in a scoring chain: the multiclass score is already the user's column; the other outputs are one-slot vectors turned into scalars by a mapping.</summary>
    public static OnnxOutputNames ForScoring(NetworkTask task, string features, string scoreColumn) => task switch
    {
        NetworkTask.MulticlassClassification => new(features, scoreColumn, ModelFormat.ClassIndexVectorColumn, ""),
        _ => new(features, ModelFormat.ScoreVectorColumn, "", ModelFormat.ProbabilityVectorColumn),
    };

    /// <summary>Names in a file written by <c>ExportOnnx</c>.</summary>
    public static OnnxOutputNames ForExport(string features) => new(features, "Score", "PredictedClass", "Probability");
}
