using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Bench.Data;

namespace MnistPipeline.Bench.Contenders;

/// <summary>Scoring speed of a loaded model: single-image PredictionEngine latency and bulk Transform throughput.</summary>
internal static class ScoringProbe
{
    private const int WarmUpPredictions = 500;

    /// <summary>The input a user's application has: the raw 28 × 28 image, as the model was saved for.</summary>
    public sealed class MnistImage
    {
        [VectorType(28, 28)]
        public byte[] Image { get; set; } = [];
    }

    /// <summary>What the application reads back.</summary>
    public sealed class MnistPrediction
    {
        public float[] Score { get; set; } = [];

        /// <summary>Key: digit + 1.</summary>
        public uint PredictedLabel { get; set; }
    }

    /// <summary>
    /// Warm-up, then <paramref name="predictions"/> timed single-image predictions (one
    /// <c>Predict</c> call each, a new output object each, as an application calls it), cycling
    /// through the test images. Returns p50, p99 in microseconds and the fraction predicted right.
    /// </summary>
    public static (double P50, double P99, double Accuracy) Latency(MLContext ml, ITransformer model, IdxArrays test, int predictions)
    {
        // OwnsTransformer = false: by default disposing the engine disposes the model (its ONNX session) too.
        using var engine = ml.Model.CreatePredictionEngine<MnistImage, MnistPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false });
        var inputs = Enumerable.Range(0, Math.Min(test.Count, predictions + WarmUpPredictions))
            .Select(i => new MnistImage { Image = test.Image(i).ToArray() })
            .ToArray();
        for (int i = 0; i < WarmUpPredictions; i++)
            engine.Predict(inputs[i % inputs.Length]);

        var micros = new double[predictions];
        long correct = 0;
        for (int i = 0; i < predictions; i++)
        {
            int row = i % inputs.Length;
            long start = Stopwatch.GetTimestamp();
            var prediction = engine.Predict(inputs[row]);
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (prediction.PredictedLabel == test.Labels[row] + 1u)
                correct++;
        }
        return (Statistics.Percentile(micros, 0.5), Statistics.Percentile(micros, 0.99), (double)correct / predictions);
    }

    /// <summary>
    /// Transform over <paramref name="data"/> read with a cursor that consumes Score and
    /// PredictedLabel of every row: one warm-up pass, then <paramref name="runs"/> timed passes,
    /// rows per second of each.
    /// </summary>
    public static double[] Bulk(ITransformer model, IDataView data, int runs)
    {
        Pass(model, data);
        var rates = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            long rows = Pass(model, data);
            rates[i] = rows / clock.Elapsed.TotalSeconds;
        }
        return rates;
    }

    private static long Pass(ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var scoreColumn = scored.Schema["Score"];
        var labelColumn = scored.Schema["PredictedLabel"];
        using var cursor = scored.GetRowCursor([scoreColumn, labelColumn]);
        var getScore = cursor.GetGetter<VBuffer<float>>(scoreColumn);
        var getLabel = cursor.GetGetter<uint>(labelColumn);
        VBuffer<float> score = default;
        uint label = 0;
        long rows = 0, check = 0;
        while (cursor.MoveNext())
        {
            getScore(ref score);
            getLabel(ref label);
            check += label;
            rows++;
        }
        if (check == 0)
            throw new InvalidOperationException("Bulk scoring produced no predicted labels.");
        return rows;
    }
}
