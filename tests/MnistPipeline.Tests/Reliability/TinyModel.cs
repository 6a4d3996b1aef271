using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Reliability;

/// <summary>A small trained model (Blobs, 5 features, 3 classes) for the reliability tests, and rows to score with it.</summary>
internal static class TinyModel
{
    public const int Features = 5;
    public const int Classes = 3;

    public static MlpTrainer.Options Options(int seed = 1) => new()
    {
        HiddenLayers = [8],
        Epochs = 3,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = seed,
        NumberOfThreads = 1,
    };

    public static (IDataView Data, MlpTrainer Trainer) Prepare(MLContext ml, int rows = 120, int seed = 1)
        => (Blobs.Load(ml, rows, Features, Classes), new MlpTrainer(ml, Options(seed)));

    /// <summary>Trains the tiny model and saves it to <paramref name="path"/> with ML.NET's own Save.</summary>
    public static string TrainAndSave(string path, int seed = 1)
    {
        var ml = new MLContext(1);
        var (data, trainer) = Prepare(ml, seed: seed);
        using var model = trainer.Fit(data);
        ml.Model.Save(model, data.Schema, path);
        return path;
    }

    /// <summary><paramref name="count"/> seeded input rows for a PredictionEngine.</summary>
    public static Input[] Inputs(int count, int seed)
        => Blobs.Rows(count, Features, Classes, seed).Select(r => new Input { Features = r.Features }).ToArray();

    /// <summary>Scores one fixed row: what a caller of a loaded model sees.</summary>
    public static float[] ScoreOneRow(MLContext ml, ITransformer model)
    {
        var input = ml.Data.LoadFromEnumerable(Inputs(1, seed: 99));
        return model.Transform(input).GetColumn<float[]>("Score").Single();
    }

    public sealed class Input
    {
        [VectorType(TinyModel.Features)]
        public float[] Features { get; set; } = new float[TinyModel.Features];
    }

    public sealed class Output
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
