namespace MnistPipeline.Bench.Compare;

/// <summary>
/// What one run of one contender measured, in one fresh process. Null means "does not apply"
/// (e.g. no epochs for LightGbm, no PredictionEngine for the plain loops) and shows as "—".
/// </summary>
internal sealed record ContenderResult
{
    /// <summary>The contender's name on the command line (e.g. "mlp-tutorial").</summary>
    public required string Contender { get; init; }

    /// <summary>What the contender trains and how, in one line.</summary>
    public required string Description { get; init; }

    /// <summary>Why the contender did not run (e.g. "import torch failed"); null when it ran.</summary>
    public string? Skipped { get; init; }

    /// <summary>Intra-op threads the contender was given.</summary>
    public int Threads { get; init; }

    /// <summary>Passes over the training data; null for trainers without epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>Training rows the model trained on (the data set minus any rows the trainer kept out).</summary>
    public long TrainingRows { get; init; }

    /// <summary>Rows per training step; null for trainers without mini-batches.</summary>
    public int? BatchSize { get; init; }

    /// <summary>The file of trained weights written for the parent (float32, layer by layer: weights then bias); null when not written.</summary>
    public string? WeightsFile { get; init; }

    /// <summary>
    /// Wall time from the training data to a fitted model: for ML.NET pipelines <c>Fit</c> on the
    /// IDataView (transforms, reading, training, model construction); for the plain loops and
    /// PyTorch, from tensors already in memory.
    /// </summary>
    public double? TrainWallSeconds { get; init; }

    /// <summary>
    /// Data preparation: for the plain loops and PyTorch the IDX files read into float tensors
    /// (not in the train wall); for MlpTrainer the IDataView read into tensors as the trainer
    /// logs it (inside the train wall); null where it cannot be separated.
    /// </summary>
    public double? DataPrepSeconds { get; init; }

    /// <summary>Wall time of every epoch, in order.</summary>
    public double[]? EpochSeconds { get; init; }

    /// <summary>Median of <see cref="EpochSeconds"/>.</summary>
    public double? EpochSecondsMedian { get; init; }

    /// <summary>Training rows × epochs (× 1 without epochs) / train wall.</summary>
    public double? TrainSamplesPerSecond { get; init; }

    /// <summary>FLOPs of one training sample when the network is not the MLP of <see cref="MachineLimit"/>'s formula (e.g. a ConvNet); null for that MLP.</summary>
    public double? TrainingFlopsPerSample { get; init; }

    /// <summary>Accuracy on the 10,000 test images.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>Mean log-loss on the test images (ML.NET's evaluator, or log-softmax of the logits).</summary>
    public double? LogLoss { get; init; }

    /// <summary>Expected calibration error (15 bins) of the test scores.</summary>
    public double? ExpectedCalibrationError { get; init; }

    /// <summary>MlpTrainer: the calibration temperature in the model's head.</summary>
    public double? Temperature { get; init; }

    /// <summary>MlpTrainer: the test log-loss of the network's own probabilities (temperature 1), before calibration.</summary>
    public double? LogLossUncalibrated { get; init; }

    /// <summary>MlpTrainer: the expected calibration error at temperature 1, before calibration.</summary>
    public double? ExpectedCalibrationErrorUncalibrated { get; init; }

    /// <summary>Accuracy of the model saved and loaded in a fresh MLContext (should equal <see cref="TestAccuracy"/>).</summary>
    public double? LoadedModelAccuracy { get; init; }

    /// <summary>Peak resident memory (VmHWM) of the contender's process when training had finished.</summary>
    public long? PeakRssAfterTrainBytes { get; init; }

    /// <summary>Peak resident memory (VmHWM) of the contender's process at its end (training, evaluation, saving, scoring).</summary>
    public long? PeakRssBytes { get; init; }

    /// <summary>Size of the saved model file.</summary>
    public long? ModelFileBytes { get; init; }

    /// <summary>What the model file is (ML.NET .zip, TorchSharp weights, PyTorch state_dict).</summary>
    public string? ModelFileKind { get; init; }

    /// <summary>Median single-image PredictionEngine latency on the loaded model.</summary>
    public double? LatencyP50Microseconds { get; init; }

    /// <summary>99th-percentile single-image PredictionEngine latency on the loaded model.</summary>
    public double? LatencyP99Microseconds { get; init; }

    /// <summary>Timed predictions behind the latency percentiles.</summary>
    public int? LatencyPredictions { get; init; }

    /// <summary>Fraction of the PredictionEngine's predictions that matched the label (a sanity check).</summary>
    public double? LatencyAccuracy { get; init; }

    /// <summary>Median rows per second of Transform over the 10,000 test rows on the loaded model, reading Score and PredictedLabel.</summary>
    public double? BulkRowsPerSecond { get; init; }

    /// <summary>Rows per second of every timed bulk pass.</summary>
    public double[]? BulkRunsRowsPerSecond { get; init; }

    /// <summary>1-minute load average when the contender started and when it ended (/proc/loadavg).</summary>
    public double[]? LoadAverage { get; init; }

    /// <summary>Free-form facts: versions, thread counts as the library reports them, etc.</summary>
    public Dictionary<string, string>? Facts { get; init; }
}
