using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// The model the sample's <c>--preset recommended</c> saves (ScalePixels → FlattenImage → MlpTrainer,
/// Image in, Score and PredictedLabel out), trained once per test run on all of real MNIST's training
/// images (about 10-20 s on 2 cores) and saved to a temporary file, for the RealData and Browser tests.
/// </summary>
internal static class RealMnistModel
{
    private static readonly Lazy<string> s_path = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The saved model file (deleted when the test process exits).</summary>
    public static string Path => s_path.Value;

    private static string Train()
    {
        var ml = new MLContext(1);
        var files = RealMnist.Files;
        var train = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        var options = MlpTrainer.Options.Recommended();
        // One thread: on 2 shared cores, two OpenMP workers wait on each other whenever another process runs (README, "Training concurrently").
        options.NumberOfThreads = 1;
        using var model = ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
            .Append(new MlpTrainer(ml, options))
            .Fit(train);
        string folder = Directory.CreateTempSubdirectory("mnistpipeline-model-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        string path = System.IO.Path.Combine(folder, "mnist-mlp.zip");
        ml.Model.SaveAtomically(model, train.Schema, path);
        return path;
    }
}
