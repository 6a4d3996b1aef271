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
    /// <param name="StandardizeFeatures">Train on standardized features and fold the standardization into the exported model (<see cref="FeatureStandardization"/>).</param>
    /// <param name="Image">The image shape the network reads (a convolutional network's), which augmentation uses when its own height and width are unset; null for a perceptron.</param>
    public sealed record NetworkRecipe(Func<NetworkModule> Create, Action<NetworkModule, Generator>? Initialize, bool StandardizeFeatures = false, ImageShape? Image = null);

    public sealed record Result(NetworkModelParameters Model, IReadOnlyList<EpochMetrics> History)
    {
        /// <summary>What the calibration after training did; null for a regression.</summary>
        public CalibrationSummary? Calibration { get; init; }
    }

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
        using var augmentation = options.Augmentation is null ? null
            : ImageDistortion.Create(options.Augmentation, options.FeatureColumnName, trainData.Schema[options.FeatureColumnName].Type, featureCount, recipe.Image);
        var checkpoints = TrainingCheckpoints.Open(options, channel);
        var clock = Stopwatch.StartNew();

        // Rows kept out by the seed of the checkpoint being resumed, when the options set none.
        using var rows = HeldOutRows.Load(options, task, options.Seed is null && checkpoints?.SavedSeed is int saved ? saved : seed,
            () => Load(trainData, options, featureCount, task, device),
            validationData is null ? null : () => Load(validationData, options, featureCount, task, device));
        var (train, validation) = (rows.Train, rows.Validation);
        var (targetScale, targetOffset) = task.PrepareTargets(train, validation, initial);
        var standardization = recipe.StandardizeFeatures ? FeatureStandardization.Apply(rows) : null;
        augmentation?.UseStandardization(standardization);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        var budget = TrainingBudget.For(options, train.Count, validation is not null);
        var loopOptions = budget.Apply(options);
        checkpoints?.UseBudget(loopOptions);
        seed = checkpoints?.Agree(CheckpointFingerprint.Of(loopOptions, task, featureCount, train, validation, initial), train.Count, options.Seed, seed) ?? seed;

        torch.manual_seed(seed); // dropout draws from the global generator
        using var generator = new Generator((ulong)seed);
        using var module = recipe.Create();
        recipe.Initialize?.Invoke(module, generator);
        module.to(device);
        LogHeader(channel, loopOptions, task, train, validation, module, seed, device, loadSeconds, initial is not null);
        channel.Info(MessageSensitivity.None, $"Validation rows: {rows.Description}. Budget: {budget.Description}. " +
            (standardization is null ? "Features as given." : "Features standardized on the training rows (folded into the first layer)."));
        if (augmentation is not null)
            channel.Info(MessageSensitivity.None, $"Augmentation of every training batch: {augmentation.Describe()}.");

        using var packed = ParameterPacking.Pack(module);
        using var updater = ParameterUpdater.Create(options.Optimizer, module.parameters().ToArray(), options.Momentum, options.WeightDecay, packed);
        using var step = TrainingSteps.Create(module, task, loopOptions, updater, channel);
        using var resumed = checkpoints?.Attach(module, updater, generator, device);
        var history = new TrainingLoop(module, step, loopOptions, task, generator, channel, device, augmentation, checkpoints).Run(train, validation, resumed);
        var calibration = TemperatureCalibration.Run(module, task, options.Calibration, rows, channel, options.CancellationToken);
        var model = module.Export(task.Task).WithHead(calibration?.Temperature ?? 1, targetScale, targetOffset);
        if (standardization is not null)
            model = model.WithInputStandardization(standardization.Mean, standardization.Scale);
        checkpoints?.Complete();
        channel.Info(MessageSensitivity.None, Invariant($"Training finished in {clock.Elapsed.TotalSeconds:F1} s."));
        return new Result(model, history) { Calibration = calibration };
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
