using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Training.Checkpoints;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// One <c>Fit</c> of any network trainer, after the trainer has checked the schema: serialized
/// process-wide, on the chosen device and thread count, seeded; reads the data into tensors,
/// builds the network (fresh, or from warm-start parameters), runs the training loop and returns
/// the trained parameters with their history.
/// </summary>
internal static class NetworkFit
{
    /// <summary>libtorch's thread count and random state are process-wide: one Fit at a time.</summary>
    private static readonly object FitLock = new();

    /// <summary>What a trainer asks for: its network and how to make it.</summary>
    /// <param name="Create">Builds the module (fresh, or holding the warm-start weights).</param>
    /// <param name="Initialize">Draws the fresh module's initial weights; null for a warm start.</param>
    public sealed record NetworkRecipe(Func<NetworkModule> Create, Action<NetworkModule, Generator>? Initialize);

    public sealed record Result(NetworkModelParameters Model, IReadOnlyList<EpochMetrics> History);

    public static Result Run(MLContext mlContext, IHost host, NetworkTrainerOptions options, TrainingTask task, NetworkRecipe recipe,
        IDataView trainData, IDataView? validationData, int featureCount, NetworkModelParameters? initial)
    {
        lock (FitLock)
        {
            int previousThreads = torch.get_num_threads();
            try
            {
                if (options.NumberOfThreads is int threads)
                    torch.set_num_threads(threads);
                return Train(mlContext, host, options, task, recipe, trainData, validationData, featureCount, initial);
            }
            finally
            {
                torch.set_num_threads(previousThreads);
            }
        }
    }

    private static Result Train(MLContext mlContext, IHost host, NetworkTrainerOptions options, TrainingTask task, NetworkRecipe recipe,
        IDataView trainData, IDataView? validationData, int featureCount, NetworkModelParameters? initial)
    {
        int seed = options.Seed ?? host.Rand.Next();
        using var channel = host.Start("Training");
        var device = DeviceSelection.Choose(mlContext, options.Device, channel);
        var checkpoints = TrainingCheckpoints.Open(options, channel);
        var clock = Stopwatch.StartNew();

        using var train = Load(trainData, options, featureCount, task, device);
        if (train.Count == 0)
            throw new InvalidOperationException(
                $"The training data has no usable rows (rows with a missing label: {train.SkippedMissingLabel}, with non-finite features: {train.SkippedNonFinite}).");
        using var validation = validationData is null ? null : Load(validationData, options, featureCount, task, device);
        if (validation is { Count: 0 })
            throw new InvalidOperationException("The validation data has no usable rows.");
        var (targetScale, targetOffset) = task.PrepareTargets(train, validation, initial);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        seed = checkpoints?.Agree(CheckpointFingerprint.Of(options, task, featureCount, train, validation, initial), train.Count, options.Seed, seed) ?? seed;

        torch.manual_seed(seed); // dropout draws from the global generator
        using var generator = new Generator((ulong)seed);
        using var module = recipe.Create();
        recipe.Initialize?.Invoke(module, generator);
        module.to(device);
        LogHeader(channel, options, task, train, validation, module, seed, device, loadSeconds, initial is not null);

        using var packed = ParameterPacking.Pack(module);
        using var updater = ParameterUpdater.Create(options.Optimizer, module.parameters().ToArray(), options.Momentum, options.WeightDecay, packed);
        using var step = TrainingSteps.Create(module, task, options, updater, channel);
        using var resumed = checkpoints?.Attach(module, updater, generator, device);
        var history = new TrainingLoop(module, step, options, task, generator, channel, device, checkpoints: checkpoints).Run(train, validation, resumed);
        var model = module.Export(task.Task).WithHead(temperature: 1, targetScale, targetOffset);
        checkpoints?.Complete();
        channel.Info(MessageSensitivity.None, Invariant($"Training finished in {clock.Elapsed.TotalSeconds:F1} s."));
        return new Result(model, history);
    }

    private static TensorDataset Load(IDataView data, NetworkTrainerOptions options, int featureCount, TrainingTask task, Device device)
        => TensorDataset.Load(data, options.FeatureColumnName, featureCount, options.LabelColumnName, task.LabelKind, task.ClassCount,
            device, options.CancellationToken);

    private static void LogHeader(IChannel channel, NetworkTrainerOptions o, TrainingTask task, TensorDataset train, TensorDataset? validation,
        NetworkModule module, int seed, Device device, double loadSeconds, bool warmStart)
    {
        long parameters = module.parameters().Sum(p => p.numel());
        string validationRows = validation is null ? "" : Invariant($", {validation.Count:N0} validation rows");
        string start = warmStart ? "; continuing from the given weights (warm start)" : "";
        channel.Info(MessageSensitivity.None,
            Invariant($"{module.Describe()}, {parameters:N0} parameters{start}; ") +
            Invariant($"{train.Count:N0} training rows read in {loadSeconds:F2} s (skipped: {train.SkippedMissingLabel} with a missing label, {train.SkippedNonFinite} with non-finite features){validationRows}."));
        channel.Info(MessageSensitivity.None,
            Invariant($"Task: {task.Describe()}. Options: optimizer {o.Optimizer} (learning rate {o.LearningRate}, momentum {o.Momentum}, weight decay {o.WeightDecay}, schedule {o.LearningRateSchedule}), ") +
            Invariant($"batch {o.BatchSize}, epochs {o.Epochs}, shuffle {o.Shuffle}, seed {seed}, threads {torch.get_num_threads()}, device {device}."));
    }
}
