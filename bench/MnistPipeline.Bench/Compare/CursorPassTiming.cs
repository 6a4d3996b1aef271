using System.Diagnostics;
using Microsoft.ML;
using MnistPipeline.Bench.DataPass;
using MnistPipeline.Data;
using MnistPipeline.Transforms;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// A full cursor pass over the view MlpTrainer reads (LoadMnist → ScalePixels → FlattenImage,
/// Label and Features of all 60,000 training rows), in a fresh process: the first pass (cold, as
/// the trainer's read in a contender's process is: code not yet compiled, file pages possibly
/// cached) and then warm passes. The yardstick of the trainer's data read.
/// </summary>
internal sealed record CursorPassTiming
{
    public required long Rows { get; init; }

    /// <summary>The first pass in a fresh process.</summary>
    public required double FirstPassSeconds { get; init; }

    /// <summary>The passes after it.</summary>
    public required double[] WarmPassSeconds { get; init; }

    public double WarmMedianSeconds => Statistics.Median(WarmPassSeconds);

    public static CursorPassTiming Measure(string? dataDirectory, int warmPasses = 5)
    {
        var files = MnistFiles.Ensure(dataDirectory);
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        var features = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Fit(train).Transform(train);
        var clock = Stopwatch.StartNew();
        DataPassCommand.FeaturesPass(features);
        double first = clock.Elapsed.TotalSeconds;
        var warm = new double[warmPasses];
        for (int i = 0; i < warmPasses; i++)
        {
            clock.Restart();
            DataPassCommand.FeaturesPass(features);
            warm[i] = clock.Elapsed.TotalSeconds;
        }
        return new CursorPassTiming { Rows = train.GetRowCount() ?? 0, FirstPassSeconds = first, WarmPassSeconds = warm };
    }
}
