using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Bench.Data;
using MnistPipeline.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Transforms;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// A contender that is an ML.NET pipeline on the same features for every trainer:
/// <c>LoadMnist → ScalePixels("Pixels", "Image") → FlattenImage("Features", "Pixels") → trainer</c>.
/// Measured: <c>Fit</c> on the training IDataView (train wall), Evaluate on the test set, the
/// model saved with <c>mlContext.Model.Save</c> (.zip size), then loaded in a fresh MLContext for
/// PredictionEngine latency and bulk Transform throughput.
/// </summary>
internal abstract class MlNetPipelineContender : IContender
{
    public abstract string Name { get; }

    /// <summary>One line for the table's notes.</summary>
    protected abstract string Description { get; }

    /// <summary>Epochs the trainer runs; null for trainers without epochs.</summary>
    protected virtual int? Epochs => null;

    /// <summary>
    /// Put a cache checkpoint before the trainer, as ML.NET's documentation advises for trainers
    /// that make many passes over the data (SDCA, L-BFGS).
    /// </summary>
    protected virtual bool CacheBeforeTrainer => false;

    /// <summary>The trainer, with its defaults apart from the thread count.</summary>
    protected abstract IEstimator<ITransformer> CreateTrainer(MLContext ml, BenchSettings settings);

    /// <summary>Wall times of the epochs of the last fit, when the trainer reports them.</summary>
    protected virtual double[]? EpochSeconds => null;

    /// <summary>Data preparation inside the fit, when the trainer reports it.</summary>
    protected virtual double? DataPrepSeconds => null;

    /// <summary>The calibration temperature of a fitted network, to measure its probabilities before calibration too; null for other trainers.</summary>
    protected virtual float? Temperature(ITransformer model) => null;

    /// <summary>Rows of the training data the trainer kept out of training (validation, calibration); 0 by default.</summary>
    protected virtual long RowsKeptOut => 0;

    /// <summary>Facts the trainer reported (e.g. its thread count).</summary>
    protected virtual Dictionary<string, string> Facts(MLContext ml) => [];

    /// <summary>Rows per training step; null for trainers without mini-batches.</summary>
    protected virtual int? BatchSize => null;

    /// <summary>The trained weights, layer by layer, for comparison with another contender; null where that does not apply.</summary>
    protected virtual IEnumerable<ReadOnlyMemory<float>>? TrainedWeights(ITransformer model) => null;

    /// <summary>FLOPs of one training sample of the fitted model, for the bound column; null for the MLP's formula (<see cref="MachineLimit"/>).</summary>
    protected virtual double? TrainingFlopsPerSample(ITransformer model) => null;

    /// <summary>The features the trainer reads. Default: <c>ScalePixels("Pixels", "Image") → FlattenImage("Features", "Pixels")</c>, a 784 vector.</summary>
    protected virtual IEstimator<ITransformer> Features(MLContext ml)
        => ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels"));

    public ContenderResult Run(BenchSettings settings)
    {
        double? loadStart = ProcessFacts.LoadAverage1();
        var files = MnistFiles.Ensure(settings.DataDirectory);
        var ml = new MLContext(seed: settings.Seed);
        var train = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        var test = ml.Data.LoadMnist(files.TestImages, files.TestLabels);
        var features = Features(ml);
        var pipeline = CacheBeforeTrainer
            ? features.AppendCacheCheckpoint(ml).Append(CreateTrainer(ml, settings))
            : features.Append(CreateTrainer(ml, settings));

        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(train);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        long? peakAfterTrain = ProcessFacts.PeakRssBytes();
        string? weightsFile = TrainedWeights(model) is { } weights ? WeightsFile.Write(settings.WeightsDirectory, Name, weights) : null;

        string folder = Directory.CreateTempSubdirectory("mnistpipeline-bench-").FullName;
        try
        {
            var scoredTest = model.Transform(test);
            var metrics = ml.MulticlassClassification.Evaluate(scoredTest);
            float? temperature = Temperature(model);
            var calibration = CalibrationProbe.Measure(scoredTest, temperature);
            string path = Path.Combine(folder, $"{Name}.zip");
            ml.Model.Save(model, train.Schema, path);
            long size = new FileInfo(path).Length;
            double? flops = TrainingFlopsPerSample(model);
            (model as IDisposable)?.Dispose();

            // A deployed application: a fresh MLContext, the saved file, raw images in.
            var fresh = new MLContext(seed: settings.Seed);
            var loaded = fresh.Model.LoadChecked(path, out _);
            try
            {
                var freshTest = fresh.Data.LoadMnist(files.TestImages, files.TestLabels);
                double loadedAccuracy = fresh.MulticlassClassification.Evaluate(loaded.Transform(freshTest)).MicroAccuracy;
                var images = IdxArrays.Read(files.TestImages, files.TestLabels);
                var (p50, p99, latencyAccuracy) = ScoringProbe.Latency(fresh, loaded, images, settings.LatencyPredictions);
                double[] bulk = ScoringProbe.Bulk(loaded, freshTest, settings.BulkRuns);
                long rows = (train.GetRowCount() ?? 0) - RowsKeptOut;
                double[]? epochs = EpochSeconds;
                return new ContenderResult
                {
                    Contender = Name,
                    Description = Description + (CacheBeforeTrainer ? "; cache checkpoint before the trainer" : ""),
                    Threads = settings.Threads,
                    Epochs = Epochs,
                    TrainingRows = rows,
                    BatchSize = BatchSize,
                    WeightsFile = weightsFile,
                    TrainWallSeconds = trainSeconds,
                    DataPrepSeconds = DataPrepSeconds,
                    EpochSeconds = epochs,
                    EpochSecondsMedian = epochs is { Length: > 0 } ? Statistics.Median(epochs) : null,
                    TrainSamplesPerSecond = rows * (Epochs ?? 1) / trainSeconds,
                    TrainingFlopsPerSample = flops,
                    TestAccuracy = metrics.MicroAccuracy,
                    LogLoss = metrics.LogLoss,
                    ExpectedCalibrationError = calibration.ExpectedCalibrationError,
                    Temperature = temperature,
                    LogLossUncalibrated = calibration.LogLossAtTemperatureOne,
                    ExpectedCalibrationErrorUncalibrated = calibration.ExpectedCalibrationErrorAtTemperatureOne,
                    LoadedModelAccuracy = loadedAccuracy,
                    PeakRssAfterTrainBytes = peakAfterTrain,
                    PeakRssBytes = ProcessFacts.PeakRssBytes(),
                    ModelFileBytes = size,
                    ModelFileKind = "ML.NET model .zip (Model.Save)",
                    LatencyP50Microseconds = p50,
                    LatencyP99Microseconds = p99,
                    LatencyPredictions = settings.LatencyPredictions,
                    LatencyAccuracy = latencyAccuracy,
                    BulkRowsPerSecond = Statistics.Median(bulk),
                    BulkRunsRowsPerSecond = bulk,
                    LoadAverage = [loadStart ?? double.NaN, ProcessFacts.LoadAverage1() ?? double.NaN],
                    Facts = Facts(ml),
                };
            }
            finally
            {
                (loaded as IDisposable)?.Dispose();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
