using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Training;
using MnistPipeline.Training.Checkpoints;

/// <summary>
/// <c>checkpoint-run &lt;scenario&gt; &lt;checkpoint|-&gt; &lt;every-n-steps&gt; [kill]</c>: trains one of the
/// resume tests' scenarios on fixed synthetic data (one thread), with checkpoints in the given
/// file every n steps ("-": no checkpoints, the uninterrupted reference), and prints
/// "hash &lt;SHA-256 of the weights&gt;" at the end. Lines of the trainer's log about checkpoints (and
/// the step it trains with) are printed as "log &lt;line&gt;", every step as "step &lt;n&gt;" (for a parent that kills on a step).
/// The weights hashed are the model's ONNX bytes, so a ConvNet's batch-norm running statistics count too.
/// The optional kill makes the process SIGKILL itself, as kill -9 would:
///   kill-step &lt;k&gt;          right after step k (before that step's checkpoint)
///   kill-write &lt;n&gt; &lt;b&gt;     during this process's n-th checkpoint write, after b bytes
///   kill-replace &lt;n&gt;       after the n-th checkpoint is written and flushed, before it replaces the previous one
/// </summary>
internal static class CheckpointRun
{
    public const int Rows = 512;
    public const int Features = 16;
    public const int Classes = 4;

    public static int Run(string[] args)
    {
        if (args.Length < 3)
            return Usage();
        string scenario = args[0];
        string? checkpoint = args[1] == "-" ? null : args[1];
        int every = int.Parse(args[2]);
        switch (args[3..])
        {
            case []:
                break;
            case ["kill-step", var k]:
                KillAtStep = long.Parse(k);
                break;
            case ["kill-write", var n, var b]:
                KillDuringWrite(int.Parse(n), long.Parse(b));
                break;
            case ["kill-replace", var n]:
                KillBeforeReplace(int.Parse(n));
                break;
            default:
                return Usage();
        }

        var ml = new MLContext(seed: 1);
        ml.Log += (_, e) =>
        {
            if (e.Source.StartsWith("MnistPipeline", StringComparison.Ordinal) && (e.RawMessage.Contains("heckpoint", StringComparison.Ordinal) || e.RawMessage.StartsWith("Resuming", StringComparison.Ordinal)
                || e.RawMessage.StartsWith("Training step:", StringComparison.Ordinal)))
                Say("log " + e.RawMessage);
        };
        var options = Options(scenario);
        options.CheckpointPath = checkpoint;
        options.CheckpointEveryNSteps = checkpoint is null ? null : every;
        options.LogEveryNSteps = 1;
        options.ProgressChanged = p =>
        {
            Say($"step {p.Step}");
            if (p.Step == KillAtStep)
                KillSelf();
        };
        var train = Data(ml, seed: 42);
        var validation = scenario is "early" or "convnet" ? Data(ml, seed: 43) : null;
        var (model, history) = Fit(ml, options, train, validation);
        Say($"epochs {history.Count}");
        Say($"hash {Hash(model)}");
        return 0;
    }

    private static long KillAtStep = -1;

    private static (NetworkModelParameters Model, IReadOnlyList<EpochMetrics> History) Fit(MLContext ml, NetworkTrainerOptions options, IDataView train, IDataView? validation)
    {
        switch (options)
        {
            case ConvNetTrainer.Options convnet:
                using (var model = new ConvNetTrainer(ml, convnet).Fit(train, validation))
                    return (model.Model, model.TrainingHistory);
            default:
                using (var model = new MlpTrainer(ml, (MlpTrainer.Options)options).Fit(train, validation))
                    return (model.Model, model.TrainingHistory);
        }
    }

    /// <summary>The scenarios of the resume tests: each exercises a different part of the state.</summary>
    public static NetworkTrainerOptions Options(string scenario) => scenario switch
    {
        // Momentum buffers and weight decay, no shuffling, cosine schedule.
        "sgd" => new MlpTrainer.Options
        {
            Optimizer = NetworkOptimizer.Sgd, LearningRate = 0.05, Momentum = 0.9, WeightDecay = 1e-4, Shuffle = false,
            HiddenLayers = [32, 16], Epochs = 4, BatchSize = 32, Seed = 11, NumberOfThreads = 1,
        },
        // Adam moments and step count, a new row order every epoch.
        "adam" => new MlpTrainer.Options
        {
            Optimizer = NetworkOptimizer.Adam, LearningRate = 0.01, Shuffle = true,
            HiddenLayers = [32, 16], Epochs = 4, BatchSize = 32, Seed = 12, NumberOfThreads = 1,
        },
        // Dropout's masks come from libtorch's global generator.
        "dropout" => new MlpTrainer.Options
        {
            Optimizer = NetworkOptimizer.Adam, LearningRate = 0.01, Shuffle = true, Dropout = 0.3,
            HiddenLayers = [32, 16], Epochs = 4, BatchSize = 32, Seed = 13, NumberOfThreads = 1,
        },
        // Validation, early stopping and the best weights kept in the state.
        "early" => new MlpTrainer.Options
        {
            Optimizer = NetworkOptimizer.Adam, LearningRate = 0.05, Shuffle = true, Dropout = 0.2, EarlyStoppingPatience = 2,
            HiddenLayers = [32, 16], Epochs = 8, BatchSize = 32, Seed = 14, NumberOfThreads = 1,
        },
        // A ConvNet on the 16 features as 4 × 4 images: batch norm's running statistics (module
        // buffers) in the state and in the best weights, dropout, shuffling, early stopping.
        "convnet" => new ConvNetTrainer.Options
        {
            Layers =
            [
                ConvNetLayerSpec.Convolution(4, kernelSize: 3, padding: 1, batchNormalization: true),
                ConvNetLayerSpec.MaxPooling(2),
                ConvNetLayerSpec.Dropout(0.2),
                ConvNetLayerSpec.Dense(8),
            ],
            ImageShape = ImageShape.Grayscale(4, 4),
            Optimizer = NetworkOptimizer.Adam, LearningRate = 0.05, Shuffle = true, EarlyStoppingPatience = 2,
            Epochs = 4, BatchSize = 32, Seed = 15, NumberOfThreads = 1,
        },
        _ => throw new ArgumentException($"Unknown scenario '{scenario}'."),
    };

    /// <summary>Four noisy classes in 16 features, fixed by the seed.</summary>
    public static IDataView Data(MLContext ml, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, Rows).Select(i => new Row
        {
            Label = (uint)(i % Classes), // LoadFromEnumerable reads a [KeyType] uint as the 0-based index
            Features = Enumerable.Range(0, Features).Select(j => (float)random.NextDouble() + (j % Classes == i % Classes ? 0.6f : 0f)).ToArray(),
        }).ToArray();
        return ml.Data.LoadFromEnumerable(rows);
    }

    private static string Hash(NetworkModelParameters model) => Convert.ToHexString(SHA256.HashData(model.ToOnnx()));

    private static void KillDuringWrite(int write, long bytes)
    {
        int writes = 0;
        TrainingCheckpoints.WrapWriteStreamForTests = stream => ++writes == write ? new KillingStream(stream, bytes) : stream;
    }

    private static void KillBeforeReplace(int write)
    {
        int writes = 0;
        TrainingCheckpoints.BeforeReplaceForTests = () =>
        {
            if (++writes == write)
                KillSelf();
        };
    }

    /// <summary>SIGKILL to this process, as <c>kill -9</c>: no finally blocks, no flushing, no exit handlers.</summary>
    private static void KillSelf()
    {
        Say("killing");
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }

    private static void Say(string line)
    {
        Console.WriteLine(line);
        Console.Out.Flush();
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: checkpoint-run <sgd|adam|dropout|early|convnet> <checkpoint|-> <every-n-steps> [kill-step <k> | kill-write <n> <bytes> | kill-replace <n>]");
        return 2;
    }

    /// <summary>Passes writes through until <c>limit</c> bytes, writes up to it, puts them on disk, then dies.</summary>
    private sealed class KillingStream(Stream inner, long limit) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length >= limit)
            {
                inner.Write(buffer[..(int)(limit - _written)]);
                inner.Flush();
                KillSelf();
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    private sealed class Row
    {
        [KeyType(CheckpointRun.Classes)]
        public uint Label { get; set; }

        [VectorType(CheckpointRun.Features)]
        public float[] Features { get; set; } = [];
    }
}
