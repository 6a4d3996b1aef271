namespace MnistPipeline.Scoring;

/// <summary>The output column names a trained network's transformer adds (settable in the trainers' options).</summary>
/// <param name="Score">The score: class probabilities (multiclass), the logit (binary) or the prediction (regression).</param>
/// <param name="PredictedLabel">The predicted class (multiclass: key; binary: Boolean); unused for regression.</param>
/// <param name="Probability">Binary: the calibrated probability of the positive class; unused otherwise.</param>
internal sealed record ScoringColumns(string Score, string PredictedLabel, string Probability);
