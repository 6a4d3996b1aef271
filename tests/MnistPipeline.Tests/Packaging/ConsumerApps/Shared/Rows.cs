using System.Globalization;
using Microsoft.ML.Data;

/// <summary>An input row: four features. The label is a separate column of the training data only.</summary>
public sealed class FeatureRow
{
    [VectorType(Rows.FeatureCount)]
    public float[] Features { get; set; } = [];
}

/// <summary>A training row: a text label ("a", "b", "c") and four features.</summary>
public sealed class LabeledRow
{
    public string Label { get; set; } = "";

    [VectorType(Rows.FeatureCount)]
    public float[] Features { get; set; } = [];
}

/// <summary>What both apps read from a prediction.</summary>
public sealed class Prediction
{
    public float[] Score { get; set; } = [];

    /// <summary>The predicted label's text (MapKeyToValue of PredictedLabel, saved in the model).</summary>
    public string PredictedText { get; set; } = "";
}

/// <summary>Synthetic data shared by the training and the scoring app.</summary>
public static class Rows
{
    public const int FeatureCount = 4;

    private static readonly (string Label, float[] Center)[] Blobs =
    [
        ("a", [0f, 0f, 0f, 0f]),
        ("b", [3f, 3f, 0f, 0f]),
        ("c", [0f, 3f, 3f, 3f]),
    ];

    /// <summary>The rows both apps predict; the test compares their output line by line.</summary>
    public static readonly float[][] Probes =
    [
        [0.1f, -0.2f, 0.3f, 0f],
        [2.8f, 3.1f, 0.2f, -0.1f],
        [0.2f, 2.9f, 3.2f, 2.7f],
        [1.5f, 1.5f, 0.5f, 0.5f],
        [1f, 3f, 1.5f, 1.5f],
    ];

    /// <summary>Gaussian blobs around three centers (standard deviation 0.5), seeded.</summary>
    public static IEnumerable<LabeledRow> Labeled(int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var (label, center) = Blobs[i % Blobs.Length];
            var features = new float[FeatureCount];
            for (int j = 0; j < FeatureCount; j++)
                features[j] = center[j] + 0.5f * Gaussian(random);
            yield return new LabeledRow { Label = label, Features = features };
        }
    }

    /// <summary>One output line per probe, with round-trip floats, so that two processes can be compared exactly.</summary>
    public static string Format(int index, Prediction prediction)
        => string.Create(CultureInfo.InvariantCulture,
            $"probe {index}: {prediction.PredictedText} {string.Join(' ', prediction.Score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}");

    private static float Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
