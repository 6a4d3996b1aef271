using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Training;

// Commands (one per line of output, exit code 0 on success):
//   train-hash <seed> <threads>   train on fixed synthetic data; print the SHA-256 of the weights
//   load <model.zip>              load a model and score one all-zero row; print "ok <score count>"
return args switch
{
    ["train-hash", var seed, var threads] => TrainHash(int.Parse(seed), int.Parse(threads)),
    ["load", var path] => Load(path),
    _ => Usage(),
};

static int TrainHash(int seed, int threads)
{
    var ml = new MLContext(seed: 1);
    var random = new Random(42);
    var rows = Enumerable.Range(0, 512).Select(i => new Row
    {
        Label = (uint)(i % 4),
        Features = Enumerable.Range(0, 16).Select(j => (float)random.NextDouble() + (j % 4 == i % 4 ? 1f : 0f)).ToArray(),
    }).ToArray();
    var data = ml.Data.LoadFromEnumerable(rows);
    var options = new MlpTrainer.Options { HiddenLayers = [32, 16], Epochs = 3, BatchSize = 32, Seed = seed, NumberOfThreads = threads, Dropout = 0.1 };
    using var model = new MlpTrainer(ml, options).Fit(data);
    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    foreach (var layer in model.Layers)
    {
        sha.AppendData(MemoryMarshal.AsBytes(layer.Weights.Span));
        sha.AppendData(MemoryMarshal.AsBytes(layer.Bias.Span));
    }
    Console.WriteLine(Convert.ToHexString(sha.GetHashAndReset()));
    return 0;
}

static int Load(string path)
{
    var ml = new MLContext();
    var model = ml.Model.Load(path, out var schema);
    try
    {
        var features = schema.GetColumnOrNull("Features")
            ?? throw new InvalidDataException("The model's input schema has no Features column.");
        int size = (features.Type as VectorDataViewType)?.Size ?? throw new InvalidDataException($"The model's Features column is {features.Type}, not a vector.");
        var definition = SchemaDefinition.Create(typeof(Input));
        definition[nameof(Input.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        var input = ml.Data.LoadFromEnumerable(new[] { new Input { Features = new float[size] } }, definition);
        var scores = model.Transform(input).GetColumn<float[]>("Score").Single();
        Console.WriteLine($"ok {scores.Length}");
        return 0;
    }
    finally
    {
        (model as IDisposable)?.Dispose();
    }
}

static int Usage()
{
    Console.Error.WriteLine("usage: train-hash <seed> <threads> | load <model.zip>");
    return 2;
}

sealed class Row
{
    [KeyType(4)]
    public uint Label { get; set; }

    [VectorType(16)]
    public float[] Features { get; set; } = [];
}

sealed class Input
{
    public float[] Features { get; set; } = [];
}
