using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using MnistPipeline.Bench.Contenders;
using MnistPipeline.Bench.Data;
using MnistPipeline.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Bench.Micro;

/// <summary>
/// One PredictionEngine prediction of a model saved and loaded in a fresh MLContext, as an
/// application makes it: raw 28 × 28 image in, Score and PredictedLabel out. The MLP is trained
/// for one epoch of the recommended preset and SdcaMaximumEntropy for one iteration (latency does
/// not depend on how well a model is trained, only on its shape).
/// </summary>
[MemoryDiagnoser]
public class PredictionBenchmarks
{
    private readonly List<IDisposable> _owned = [];
    private PredictionEngine<ScoringProbe.MnistImage, ScoringProbe.MnistPrediction> _engine = null!;
    private ScoringProbe.MnistImage _input = null!;
    private string _folder = null!;

    [GlobalSetup(Target = nameof(PredictMlp))]
    public void SetupMlp()
    {
        var options = MlpTrainer.Options.Recommended();
        options.Epochs = 1;
        options.NumberOfThreads = MicroSettings.Threads;
        Setup(ml => new MlpTrainer(ml, options));
    }

    [GlobalSetup(Target = nameof(PredictSdca))]
    public void SetupSdca() =>
        Setup(ml => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new Microsoft.ML.Trainers.SdcaMaximumEntropyMulticlassTrainer.Options
        {
            MaximumNumberOfIterations = 1,
            NumberOfThreads = MicroSettings.Threads,
        }));

    [Benchmark(Baseline = true)]
    public uint PredictMlp() => _engine.Predict(_input).PredictedLabel;

    [Benchmark]
    public uint PredictSdca() => _engine.Predict(_input).PredictedLabel;

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var item in _owned)
            item.Dispose();
        _owned.Clear();
        Directory.Delete(_folder, recursive: true);
    }

    private void Setup(Func<MLContext, IEstimator<ITransformer>> trainer)
    {
        var files = MnistFiles.Ensure(MicroSettings.DataDirectory);
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        var model = ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
            .Append(trainer(ml))
            .Fit(train);
        _folder = Directory.CreateTempSubdirectory("mnistpipeline-micro-").FullName;
        string path = Path.Combine(_folder, "model.zip");
        ml.Model.Save(model, train.Schema, path);
        (model as IDisposable)?.Dispose();

        var fresh = new MLContext(seed: 1);
        var loaded = fresh.Model.LoadChecked(path, out _);
        if (loaded is IDisposable disposable)
            _owned.Add(disposable);
        _engine = fresh.Model.CreatePredictionEngine<ScoringProbe.MnistImage, ScoringProbe.MnistPrediction>(loaded, new PredictionEngineOptions { OwnsTransformer = false });
        _owned.Insert(0, _engine);
        var test = IdxArrays.Read(files.TestImages, files.TestLabels);
        _input = new ScoringProbe.MnistImage { Image = test.Image(0).ToArray() };
    }
}
