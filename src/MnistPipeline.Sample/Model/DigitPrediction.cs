namespace MnistPipeline.Sample.Model;

/// <summary>One image's prediction.</summary>
/// <param name="ClassIndex">The model's <c>PredictedLabel</c> as a 0-based class index (the order of <paramref name="Scores"/>).</param>
/// <param name="Label">That class's label, e.g. "7".</param>
/// <param name="Probability">Its probability (its score).</param>
/// <param name="Scores">All class probabilities.</param>
internal sealed record DigitPrediction(int ClassIndex, string Label, float Probability, float[] Scores)
{
    /// <param name="scores">The <c>Score</c> column.</param>
    /// <param name="predictedKey">The <c>PredictedLabel</c> key (1-based; ML.NET's keys start at 1, 0 is missing).</param>
    /// <param name="classNames">Labels by class index.</param>
    public static DigitPrediction From(float[] scores, uint predictedKey, IReadOnlyList<string> classNames)
    {
        if (predictedKey == 0 || predictedKey > scores.Length)
            throw new InvalidOperationException($"The model predicted key {predictedKey}, outside 1..{scores.Length}.");
        int index = (int)predictedKey - 1;
        return new DigitPrediction(index, classNames[index], scores[index], scores);
    }

    /// <summary>The <paramref name="count"/> most probable classes, best first.</summary>
    public IEnumerable<(string Label, float Probability)> Top(int count, IReadOnlyList<string> classNames)
        => Scores.Select((p, i) => (classNames[i], p)).OrderByDescending(x => x.p).Take(count);
}
