using Microsoft.ML;
using MnistPipeline.Sample.Serve;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Tests.Sample.Serve;

/// <summary>
/// Small digit classifiers in the sample's model format (Image 28 x 28 in, Score and PredictedLabel
/// out), trained in a second on synthetic MNIST-shaped images, and a server started on a free
/// loopback port; for the service tests that need no real data.
/// </summary>
internal static class ServeFixture
{
    /// <summary>Trains a tiny model on synthetic 28 x 28 images and saves it atomically to <paramref name="path"/>; different seeds give different files.</summary>
    public static void SaveTinyModel(string path, int seed = 1)
    {
        var ml = new MLContext(seed);
        using var mnist = new SyntheticMnist(count: 60, rows: 28, columns: 28);
        var data = mnist.Load(ml);
        using var model = ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
            .Append(new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [8], Epochs = 1, Seed = seed, NumberOfThreads = 1 }))
            .Fit(data);
        ml.Model.SaveAtomically(model, data.Schema, path);
    }

    public static async Task<(DigitServer Server, HttpClient Client)> StartAsync(string modelPath, Func<ServeOptions, ServeOptions>? configure = null, TextWriter? log = null)
    {
        var options = new ServeOptions(modelPath, "http://127.0.0.1:0") { PollInterval = TimeSpan.FromMilliseconds(500) };
        var server = await DigitServer.StartAsync(configure?.Invoke(options) ?? options, log ?? TextWriter.Null);
        var client = new HttpClient { BaseAddress = new Uri(server.Addresses[0]), Timeout = TimeSpan.FromSeconds(30) };
        return (server, client);
    }
}
