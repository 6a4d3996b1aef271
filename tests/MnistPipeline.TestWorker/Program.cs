using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using TorchSharp;

// Commands (one result per line of output, exit code 0 on success):
//   train-hash <seed> <threads>        train on fixed synthetic data; print the SHA-256 of the weights
//   fit-no-dispose                     train a small model and exit without disposing it; print "ok"
//   load <model.zip>                   load a model and score one all-zero row; print "ok <score count>"
//   load-many <folder> <reference.zip> <feature count> <temp folder>
//                                      for every file of the folder (name order): "start <file>", then one
//                                      tab-separated line: done, file, then for LoadChecked and for ml.Model.Load:
//                                      the load outcome, the scoring outcome ("same"/"different" than the reference
//                                      or an exception), the files it left in the temp folder
//   load-dispose <model.zip> <count>   load with a default MLContext and dispose, <count> times; print "ok <count>"
//   soak-train <images> <labels> <epochs> <threads>
//                                      train the recommended MLP on IDX files; per epoch "epoch <n> rss-kb <kB> live <count>",
//                                      then "steps <n> live-min <a> live-max <b> live-first <c> live-last <d> first-epoch-max <e>"
//                                      (min, max, first and last over the steps after the first epoch)
//   soak-predict <model.zip> <images> <labels> <count> <every>
//                                      single predictions with one PredictionEngine; every <every>: "predictions <n> rss-kb <kB>"
//   checkpoint-run <scenario> <checkpoint|-> <every-n-steps> [kill-step <k> | kill-write <n> <b> | kill-replace <n>]
//                                      train a resume-test scenario with checkpoints, optionally SIGKILL itself at a
//                                      chosen point; print "hash <SHA-256 of the weights>" (see CheckpointRun.cs)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
return args switch
{
    ["train-hash", var seed, var threads] => TrainHash(int.Parse(seed), int.Parse(threads)),
    ["fit-no-dispose"] => FitWithoutDispose(),
    ["load", var path] => Load(path),
    ["load-many", var folder, var reference, var features, var temp] => LoadMany(folder, reference, int.Parse(features), temp),
    ["load-dispose", var path, var count] => LoadDispose(path, int.Parse(count)),
    ["soak-train", var images, var labels, var epochs, var threads] => SoakTrain(images, labels, int.Parse(epochs), int.Parse(threads)),
    ["soak-predict", var model, var images, var labels, var count, var every] => SoakPredict(model, images, labels, int.Parse(count), int.Parse(every)),
    ["checkpoint-run", .. var rest] => CheckpointRun.Run(rest),
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
    foreach (var layer in model.Model.Layers)
    {
        sha.AppendData(MemoryMarshal.AsBytes(layer.Weights.Span));
        sha.AppendData(MemoryMarshal.AsBytes(layer.Bias.Span));
    }
    Console.WriteLine(Convert.ToHexString(sha.GetHashAndReset()));
    return 0;
}

static int FitWithoutDispose()
{
    var ml = new MLContext(seed: 1);
    var rows = Enumerable.Range(0, 64).Select(i => new Row { Label = (uint)(i % 4), Features = new float[16] }).ToArray();
    var model = new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [4], Epochs = 1, Seed = 1, NumberOfThreads = 1 }).Fit(ml.Data.LoadFromEnumerable(rows));
    GC.KeepAlive(model); // never disposed: its temporary ONNX file is left to the exit handler
    Console.WriteLine("ok");
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
        var scores = ScoreOneRow(ml, model, size);
        Console.WriteLine($"ok {scores.Length}");
        return 0;
    }
    finally
    {
        (model as IDisposable)?.Dispose();
    }
}

static int LoadMany(string folder, string referencePath, int featureCount, string tempFolder)
{
    // The rows to score are the caller's (the feature count it knows), not whatever a damaged
    // file's schema claims: a flipped size could otherwise ask for a huge vector.
    var referenceContext = new MLContext();
    var referenceModel = referenceContext.Model.Load(referencePath, out _);
    float[] reference = ScoreOneRow(referenceContext, referenceModel, featureCount);
    (referenceModel as IDisposable)?.Dispose();

    foreach (string file in Directory.GetFiles(folder).OrderBy(f => f, StringComparer.Ordinal))
    {
        string name = Path.GetFileName(file);
        Console.WriteLine($"start\t{name}");
        Console.Out.Flush();
        var ml = new MLContext { TempFilePath = tempFolder };
        var (checkedLoad, checkedScore) = LoadAndScore(() => ml.Model.LoadChecked(file, out _), ml, featureCount, reference);
        int checkedLeft = TakeLeftovers(tempFolder);
        var (plainLoad, plainScore) = LoadAndScore(() => ml.Model.Load(file, out _), ml, featureCount, reference);
        int plainLeft = TakeLeftovers(tempFolder);
        Console.WriteLine($"done\t{name}\t{checkedLoad}\t{checkedScore}\t{checkedLeft}\t{plainLoad}\t{plainScore}\t{plainLeft}");
        Console.Out.Flush();
    }
    return 0;
}

// Counts and removes what a load left in the temp folder, so that one file's leak is not blamed on the next.
static int TakeLeftovers(string tempFolder)
{
    var files = Directory.GetFiles(tempFolder);
    foreach (string file in files)
        File.Delete(file);
    return files.Length;
}

static (string Load, string Score) LoadAndScore(Func<ITransformer> load, MLContext ml, int featureCount, float[] reference)
{
    ITransformer model;
    try
    {
        model = load();
    }
    catch (Exception e)
    {
        return (Outcome(e), "-");
    }
    try
    {
        float[] scores = ScoreOneRow(ml, model, featureCount);
        return ("ok", scores.AsSpan().SequenceEqual(reference) ? "same" : "different");
    }
    catch (Exception e)
    {
        return ("ok", Outcome(e));
    }
    finally
    {
        (model as IDisposable)?.Dispose();
    }
}

static string Outcome(Exception e)
{
    string message = e.Message.Split('\n')[0].Replace('\t', ' ').Trim();
    return $"{e.GetType().FullName}: {message}";
}

static float[] ScoreOneRow(MLContext ml, ITransformer model, int size)
{
    var definition = SchemaDefinition.Create(typeof(Input));
    definition[nameof(Input.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
    var features = Enumerable.Range(0, size).Select(i => (i % 3) * 0.5f).ToArray();
    var input = ml.Data.LoadFromEnumerable(new[] { new Input { Features = features } }, definition);
    var scored = model.Transform(input);
    var scores = scored.GetColumn<float[]>("Score").Single();
    // PredictedLabel is read too: the whole chain must run, not only the ONNX step.
    _ = scored.GetColumn<uint>("PredictedLabel").Single();
    return scores;
}

static int LoadDispose(string path, int count)
{
    for (int i = 0; i < count; i++)
    {
        var ml = new MLContext();
        var model = ml.Model.Load(path, out _);
        (model as IDisposable)?.Dispose();
    }
    Console.WriteLine($"ok {count}");
    return 0;
}

static int SoakTrain(string images, string labels, int epochs, int threads)
{
    var ml = new MLContext(seed: 1);
    var train = ml.Data.LoadMnist(images, labels);
    var options = MlpTrainer.Options.Recommended();
    options.Epochs = epochs;
    options.NumberOfThreads = threads;
    options.LogEveryNSteps = 1;
    var live = new List<long>(capacity: 1 << 16);
    int firstEpochSteps = 0, stepsThisEpoch = 0;
    // Both callbacks run on the training thread, whose dispose-scope statistics they read.
    options.ProgressChanged = _ =>
    {
        live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        stepsThisEpoch++;
    };
    options.EpochCompleted = m =>
    {
        Console.WriteLine($"epoch {m.Epoch} rss-kb {ResidentKilobytes()} live {DisposeScopeManager.Statistics.ThreadTotalLiveCount} seconds {m.Elapsed.TotalSeconds:F2} steps {stepsThisEpoch}");
        Console.Out.Flush();
        if (m.Epoch == 1)
            firstEpochSteps = stepsThisEpoch;
        stepsThisEpoch = 0;
    };
    var pipeline = ml.Transforms.ScalePixels("Pixels", "Image")
        .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
        .Append(new MlpTrainer(ml, options));
    using var model = pipeline.Fit(train);
    // The first epoch is warm-up: the fused step allocates its buffers for each batch size once, the
    // last, shorter batch's at the first epoch's end. From the second epoch on the count must not move.
    var later = live.Skip(firstEpochSteps).ToList();
    Console.WriteLine($"steps {live.Count} live-min {later.Min()} live-max {later.Max()} live-first {later[0]} live-last {later[^1]} first-epoch-max {live.Take(firstEpochSteps).Max()}");
    return 0;
}

static int SoakPredict(string modelPath, string images, string labels, int count, int every)
{
    var ml = new MLContext();
    var rows = ml.Data.CreateEnumerable<MnistImage>(ml.Data.LoadMnist(images, labels), reuseRowObject: false).ToArray();
    var model = ml.Model.LoadChecked(modelPath, out _);
    using var engine = ml.Model.CreatePredictionEngine<MnistImage, Prediction>(model);
    var prediction = new Prediction();
    var clock = Stopwatch.StartNew();
    for (int i = 1; i <= count; i++)
    {
        engine.Predict(rows[i % rows.Length], ref prediction);
        if (i % every == 0)
        {
            Console.WriteLine($"predictions {i} rss-kb {ResidentKilobytes()} seconds {clock.Elapsed.TotalSeconds:F2}");
            Console.Out.Flush();
        }
    }
    (model as IDisposable)?.Dispose();
    return 0;
}

// Sampled after a full, compacting collection: the soak looks for memory that is kept, not for
// garbage the GC has not yet collected (its budget varies from run to run).
static long ResidentKilobytes()
{
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    foreach (string line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
    throw new InvalidOperationException("VmRSS not found in /proc/self/status.");
}

static int Usage()
{
    Console.Error.WriteLine("usage: train-hash <seed> <threads> | fit-no-dispose | load <model.zip> | load-many <folder> <reference.zip> <features> <temp folder> | "
        + "load-dispose <model.zip> <count> | soak-train <images> <labels> <epochs> <threads> | soak-predict <model.zip> <images> <labels> <count> <every> | "
        + "checkpoint-run <scenario> <checkpoint|-> <every-n-steps> [kill]");
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

sealed class MnistImage
{
    [VectorType(28, 28)]
    public byte[] Image { get; set; } = [];
}

sealed class Prediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }
}
