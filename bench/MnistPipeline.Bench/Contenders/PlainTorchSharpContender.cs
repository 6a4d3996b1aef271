using System.Diagnostics;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Bench.Data;
using MnistPipeline.Data;
using TorchSharp;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// The reference for a trainer's overhead: the same network and recipe as a plain TorchSharp
/// loop (<see cref="PlainMlpLoop"/>, <see cref="PlainConvNetLoop"/>) on tensors prepared in memory, no ML.NET anywhere. Train
/// wall: module creation and all epochs, from the tensors; data prep (IDX files to tensors) is
/// reported apart. Model file: the weights saved by TorchSharp's <c>Module.save</c>.
/// </summary>
internal sealed class PlainTorchSharpContender(IPlainRecipe recipe) : IContender
{
    public string Name => $"plain-torchsharp-{recipe.Name}";

    public ContenderResult Run(BenchSettings settings)
    {
        double? loadStart = ProcessFacts.LoadAverage1();
        torch.set_num_threads(settings.Threads);
        var files = MnistFiles.Ensure(settings.DataDirectory);

        var prep = Stopwatch.StartNew();
        using var train = TrainingTensors.From(IdxArrays.Read(files.TrainImages, files.TrainLabels));
        double prepSeconds = prep.Elapsed.TotalSeconds;
        using var test = TrainingTensors.From(IdxArrays.Read(files.TestImages, files.TestLabels));
        long? peakAfterPrep = ProcessFacts.PeakRssBytes();

        var clock = Stopwatch.StartNew();
        using var loop = recipe.CreateLoop(settings.Seed);
        double[] epochs = loop.Train(train.Features, train.Labels);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        long? peakAfterTrain = ProcessFacts.PeakRssBytes();
        string? weightsFile;
        using (torch.NewDisposeScope())
            weightsFile = WeightsFile.Write(settings.WeightsDirectory, Name,
                loop.Module.parameters().Select(p => (ReadOnlyMemory<float>)p.detach().cpu().data<float>().ToArray()).ToArray());

        var (accuracy, logLoss) = loop.Evaluate(test.Features, test.Labels);
        string folder = Directory.CreateTempSubdirectory("mnistpipeline-bench-").FullName;
        try
        {
            string path = Path.Combine(folder, "plain-mlp.dat");
            loop.Module.save(path);
            long size = new FileInfo(path).Length;
            return new ContenderResult
            {
                Contender = Name,
                Description = $"plain TorchSharp loop, no ML.NET: {recipe.Describe()}; from in-memory tensors",
                Threads = torch.get_num_threads(),
                Epochs = recipe.Epochs,
                TrainingRows = train.Count,
                BatchSize = (recipe as PlainMlpRecipe)?.BatchSize, // picks the recipe-products row: MLP recipes only
                WeightsFile = weightsFile,
                TrainWallSeconds = trainSeconds,
                DataPrepSeconds = prepSeconds,
                EpochSeconds = epochs,
                EpochSecondsMedian = Statistics.Median(epochs),
                TrainSamplesPerSecond = train.Count * recipe.Epochs / trainSeconds,
                TrainingFlopsPerSample = recipe.TrainingFlopsPerSample,
                TestAccuracy = accuracy,
                LogLoss = logLoss,
                PeakRssAfterTrainBytes = peakAfterTrain,
                PeakRssBytes = ProcessFacts.PeakRssBytes(),
                ModelFileBytes = size,
                ModelFileKind = "TorchSharp Module.save weights",
                LoadAverage = [loadStart ?? double.NaN, ProcessFacts.LoadAverage1() ?? double.NaN],
                Facts = new()
                {
                    ["peak memory after data prep, before training"] = $"{peakAfterPrep / 1e6:F0} MB",
                },
            };
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
