using Microsoft.ML;
using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>
/// Options shared by every network trainer of the library: columns, optimization, validation,
/// reproducibility and progress. Each trainer has its own <c>Options</c> class deriving from this.
/// </summary>
public abstract class NetworkTrainerOptions
{
    private protected NetworkTrainerOptions()
    {
    }

    /// <summary>Name of the feature column: a known-size vector of <see cref="float"/>. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = NetworkDefaults.FeatureColumnName;

    /// <summary>
    /// Name of the label column: a key type for multiclass classification (use <c>MapValueToKey</c>
    /// on raw labels; the class count is its key count), Boolean for binary classification,
    /// Single for regression. Default "Label".
    /// </summary>
    public string LabelColumnName { get; set; } = NetworkDefaults.LabelColumnName;

    /// <summary>Name of the score column the fitted transformer adds. Default "Score".</summary>
    public string ScoreColumnName { get; set; } = NetworkDefaults.ScoreColumnName;

    /// <summary>The optimizer. Default <see cref="NetworkOptimizer.Adam"/>.</summary>
    public NetworkOptimizer Optimizer { get; set; } = NetworkDefaults.Optimizer;

    /// <summary>Initial learning rate; finite and &gt; 0. Default 0.002.</summary>
    public double LearningRate { get; set; } = NetworkDefaults.LearningRate;

    /// <summary>Momentum of <see cref="NetworkOptimizer.Sgd"/>; in [0, 1). Ignored by Adam. Default 0.</summary>
    public double Momentum { get; set; } = NetworkDefaults.Momentum;

    /// <summary>
    /// Weight decay; finite and ≥ 0. L2 penalty for SGD, decoupled decay for Adam (AdamW).
    /// Default 0.
    /// </summary>
    public double WeightDecay { get; set; } = NetworkDefaults.WeightDecay;

    /// <summary>How the learning rate changes over training. Default <see cref="Training.LearningRateSchedule.Cosine"/>.</summary>
    public LearningRateSchedule LearningRateSchedule { get; set; } = NetworkDefaults.Schedule;

    /// <summary>
    /// Rows per training step; ≥ 1 (it may exceed the row count). Default null: automatic, 128
    /// rows, or fewer for small data so that an epoch takes at least 16 steps (the rule and its
    /// outcome are in the log header).
    /// </summary>
    public int? BatchSize { get; set; }

    /// <summary>
    /// Passes over the training data; ≥ 1. Default null: automatic, a budget that adapts to the
    /// row count (at least 3,000 optimizer steps, 10 to 1,000 epochs) with early stopping on the
    /// validation rows and the best epoch's weights restored (the rule and its outcome are in the
    /// log header). The presets set it.
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>Visit the rows in a new random order every epoch (seeded by <see cref="Seed"/>). Default true.</summary>
    public bool Shuffle { get; set; } = NetworkDefaults.Shuffle;

    /// <summary>
    /// Seed of initialization, shuffling and dropout. Default null: drawn from the
    /// <see cref="MLContext"/>'s random source, so <c>new MLContext(seed: 1)</c> makes training repeatable.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>
    /// libtorch intra-op threads while training; ≥ 1. Default null: libtorch's default (the core count).
    /// Results are bit-identical for the same seed, data and thread count.
    /// </summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// Torch device to train on ("cpu", "cuda", "cuda:1"). Default null: as ML.NET's own
    /// TorchSharp trainers, follow <see cref="MLContext.GpuDeviceId"/> (CUDA device of that index;
    /// unset means the CPU) and <see cref="MLContext.FallbackToCpu"/> (train on the CPU instead of
    /// failing when that GPU is not available). A GPU needs a CUDA build of libtorch in the
    /// application; the trained model always scores on the CPU.
    /// </summary>
    public string? Device { get; set; }

    /// <summary>
    /// Train with the fused step when it covers the network and options: a hand-written backward
    /// pass and optimizer update with about half the libtorch calls of autograd (perceptrons with
    /// ReLU, Tanh or Sigmoid, any loss without label smoothing, SGD or Adam, no dropout). False
    /// always trains with autograd. Both give the same weights up to float rounding. The log says
    /// which step trained and why. Default true.
    /// </summary>
    public bool UseFusedStep { get; set; } = NetworkDefaults.UseFusedStep;

    /// <summary>
    /// Data to measure after every epoch (same feature and label columns). Default null.
    /// <c>Fit(train, validation)</c> sets it too.
    /// </summary>
    public IDataView? ValidationData { get; set; }

    /// <summary>
    /// Stop when the validation loss has not improved for this many epochs, and keep the
    /// weights of the best epoch; ≥ 1, needs validation rows (validation data, or rows kept out by
    /// <see cref="ValidationFraction"/>). Default null: off with a set <see cref="Epochs"/>; a tenth
    /// of the epochs (at least 5) with automatic epochs.
    /// </summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Fraction of the training rows kept out of training when no validation data is given
    /// (seeded, stratified by class for classification), to measure after every epoch, stop early
    /// and fit the calibration temperature on; in [0, 0.5]. Default null: 0.1 when something needs
    /// held-out rows (temperature calibration of a classifier, automatic epochs, early stopping),
    /// else none. 0 keeps every row for training: a classifier's temperature is then fitted on
    /// the training rows themselves, which suits only networks that do not fit their training data
    /// closely (the tutorial's), and early stopping is unavailable.
    /// </summary>
    public double? ValidationFraction { get; set; }

    /// <summary>
    /// How a classifier's outputs become probabilities. Default <see cref="ProbabilityCalibration.Temperature"/>:
    /// after training, one temperature is fitted on the validation rows (the validation data when
    /// given, else the rows kept out by <see cref="ValidationFraction"/>) and folded into the
    /// model's scoring graph. Ignored by regression.
    /// </summary>
    public ProbabilityCalibration Calibration { get; set; } = NetworkDefaults.Calibration;

    /// <summary>
    /// Random distortions of image-shaped features applied to every training batch (never at
    /// validation, calibration or scoring); see <see cref="ImageAugmentation"/> for the settings and
    /// where the image shape comes from. Default null: none.
    /// </summary>
    public ImageAugmentation? Augmentation { get; set; }

    /// <summary>
    /// Report progress (log line and <see cref="ProgressChanged"/>) every this many steps; ≥ 1.
    /// Default 200, as in the tutorial.
    /// </summary>
    public int LogEveryNSteps { get; set; } = NetworkDefaults.LogEveryNSteps;

    /// <summary>Called after every epoch, on the training thread. Default null.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }

    /// <summary>Called every <see cref="LogEveryNSteps"/> steps, on the training thread. Default null.</summary>
    public Action<TrainingProgress>? ProgressChanged { get; set; }

    /// <summary>
    /// Cancels training: checked while the data is read, before every step and every
    /// validation chunk, and once more before the model is built, so <c>Fit</c> throws
    /// <see cref="OperationCanceledException"/> within one batch and never returns a model
    /// after a cancellation. A cancelled <c>Fit</c> leaves nothing behind: the next one in the
    /// same process trains as if it were the first. Default none.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// File for checkpoints of training, so that a crashed, killed or cancelled <c>Fit</c> loses
    /// nothing: the state (weights, optimizer state, position, random generators, learning-rate
    /// position, early-stopping state with the best weights, history) is written there atomically
    /// after every epoch (and every <see cref="CheckpointEveryNSteps"/> steps), and a <c>Fit</c>
    /// that finds a checkpoint there resumes from it, giving bit-identical weights to an
    /// uninterrupted run with the same thread count. The checkpoint must come from the same
    /// options and data (<see cref="CheckpointMismatch"/>); a damaged file fails with
    /// <see cref="System.IO.InvalidDataException"/>. The file is removed when <c>Fit</c> succeeds
    /// (<see cref="KeepCheckpoint"/>). A resumed <c>Fit</c> logs where it continues; its callbacks
    /// report only the epochs and steps it trains, while the model's history holds every epoch.
    /// The folder is created when missing. Default null: no checkpoints.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>
    /// Also write a checkpoint every this many steps; ≥ 1, needs <see cref="CheckpointPath"/>.
    /// Default null: at the end of every epoch only.
    /// </summary>
    public int? CheckpointEveryNSteps { get; set; }

    /// <summary>Keep the checkpoint after a successful <c>Fit</c> (a later <c>Fit</c> with the same options and data then returns the finished model without training). Default false: removed.</summary>
    public bool KeepCheckpoint { get; set; }

    /// <summary>What to do with a checkpoint of another training run. Default <see cref="CheckpointMismatchAction.Fail"/>.</summary>
    public CheckpointMismatchAction CheckpointMismatch { get; set; } = CheckpointMismatchAction.Fail;

    /// <summary>
    /// When <see cref="CancellationToken"/> stops training, write a checkpoint of that step first
    /// and throw <see cref="TrainingCanceledException"/>. Needs <see cref="CheckpointPath"/>. Default true.
    /// </summary>
    public bool CheckpointOnCancellation { get; set; } = true;

    /// <summary>Checks every option; throws naming the first one out of range.</summary>
    internal virtual void Validate()
    {
        OptionCheck.Name(FeatureColumnName, nameof(FeatureColumnName));
        OptionCheck.Name(LabelColumnName, nameof(LabelColumnName));
        OptionCheck.Name(ScoreColumnName, nameof(ScoreColumnName));
        OptionCheck.Defined(Optimizer, nameof(Optimizer));
        OptionCheck.Defined(LearningRateSchedule, nameof(LearningRateSchedule));
        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"LearningRate must be finite and > 0; found {LearningRate}.");
        OptionCheck.InRange(Momentum, 0, 1, nameof(Momentum));
        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"WeightDecay must be finite and ≥ 0; found {WeightDecay}.");
        if (BatchSize is { } batch)
            OptionCheck.Positive(batch, nameof(BatchSize));
        if (Epochs is { } epochs)
            OptionCheck.Positive(epochs, nameof(Epochs));
        if (ValidationFraction is { } fraction && !(fraction >= 0 && fraction <= 0.5))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), fraction, $"ValidationFraction must be in [0, 0.5]; found {fraction}.");
        OptionCheck.Defined(Calibration, nameof(Calibration));
        Augmentation?.Validate();
        OptionCheck.Positive(LogEveryNSteps, nameof(LogEveryNSteps));
        if (NumberOfThreads is { } threads)
            OptionCheck.Positive(threads, nameof(NumberOfThreads));
        if (EarlyStoppingPatience is { } patience)
            OptionCheck.Positive(patience, nameof(EarlyStoppingPatience));
        if (Device is not null && string.IsNullOrWhiteSpace(Device))
            throw new ArgumentException("Device must name a torch device such as \"cpu\", or be null to follow MLContext.GpuDeviceId.", nameof(Device));
        Checkpoints.CheckpointSettings.Validate(this);
    }

    /// <summary>The output column names, checked to be distinct.</summary>
    internal abstract IReadOnlyList<(string Option, string Column)> OutputColumns { get; }

    /// <summary>A copy, so that a trainer is not affected by later changes to the caller's options.</summary>
    internal NetworkTrainerOptions Clone()
    {
        var copy = (NetworkTrainerOptions)MemberwiseClone();
        copy.CopyMutableMembers();
        return copy;
    }

    /// <summary>Replaces mutable members (arrays) of a fresh member-wise clone with copies.</summary>
    private protected virtual void CopyMutableMembers()
    {
    }

    private protected void ValidateOutputColumns()
    {
        var outputs = OutputColumns;
        foreach (var (option, column) in outputs)
            OptionCheck.Name(column, option);
        for (int i = 0; i < outputs.Count; i++)
            for (int j = i + 1; j < outputs.Count; j++)
                if (outputs[i].Column == outputs[j].Column)
                    throw new ArgumentException($"{outputs[i].Option} and {outputs[j].Option} both name the column '{outputs[i].Column}'; output columns need distinct names.", outputs[j].Option);
    }
}
