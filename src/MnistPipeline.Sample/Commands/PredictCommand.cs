using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Sample.Images;
using MnistPipeline.Sample.Model;
using MnistPipeline.Sample.Rendering;
using static System.FormattableString;

namespace MnistPipeline.Sample.Commands;

/// <summary>A saved model's predictions for test-set images (by index) and image files, drawn as ASCII art.</summary>
internal sealed class PredictCommand(SampleConsole console, PredictSettings settings)
{
    public int Run()
    {
        // Cheap checks first: the image files, then the model, then (only for indices) the data.
        var fromFiles = settings.Images
            .Select(path => (Name: Path.GetFileName(path), Pixels: ImageFileReader.Read(path, settings.Invert, settings.AsIs), TrueLabel: (string?)null))
            .ToList();

        var ml = new MLContext();
        using var model = DigitModel.Load(ml, settings.Common.ModelPath);

        var images = new List<(string Name, byte[] Pixels, string? TrueLabel)>();
        if (settings.Indices.Length > 0)
        {
            var files = MnistData.Ensure(console, settings.Common, CancellationToken.None);
            var test = ml.Data.LoadMnist(files.TestImages, files.TestLabels);
            images.AddRange(TestImages.Read(test, settings.Indices)
                .Select(i => (Invariant($"test #{i.Index}, true {i.Label}"), i.Pixels, (string?)i.Label)));
        }
        images.AddRange(fromFiles);

        var predictions = model.Predict(images.Select(i => i.Pixels).ToArray());
        console.Out.WriteLine(Invariant($"Model: {settings.Common.ModelPath}"));
        console.Out.WriteLine();
        ResultPrinter.Predictions(console.Out, model, images, predictions);
        return SampleApp.Success;
    }
}
