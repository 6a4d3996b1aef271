using System.Diagnostics;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Training.Checkpoints;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The training loop of every network: epochs of mini-batch steps with one dispose scope per
/// step, a learning-rate schedule, validation after every epoch with early stopping that keeps
/// the best weights, progress in the log and in the callbacks, cancellation within one step.
/// What it changes as it runs lives in a <see cref="LoopState"/>, which checkpoints save and restore.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly NetworkModule _module;
    private readonly ITrainingStep _step;
    private readonly NetworkTrainerOptions _options;
    private readonly TrainingTask _task;
    private readonly Generator _generator;
    private readonly IChannel _channel;
    private readonly Device _device;
    private readonly IBatchAugmentation? _augmentation;
    private readonly TrainingCheckpoints? _checkpoints;

    /// <param name="module">The network, trained in place.</param>
    /// <param name="step">How one batch is trained (gradients and update).</param>
    /// <param name="options">Batch size, epochs, schedule, shuffling, validation, callbacks, cancellation.</param>
    /// <param name="task">Loss and accuracy of validation.</param>
    /// <param name="generator">The seeded generator of shuffling (and of augmentation draws).</param>
    /// <param name="channel">The log channel.</param>
    /// <param name="device">Where the tensors live.</param>
    /// <param name="augmentation">Transforms each training batch's features before the step; null for none.</param>
    /// <param name="checkpoints">Writes the loop's state at the points the options ask for; null for none.</param>
    public TrainingLoop(NetworkModule module, ITrainingStep step, NetworkTrainerOptions options, TrainingTask task, Generator generator,
        IChannel channel, Device device, IBatchAugmentation? augmentation = null, TrainingCheckpoints? checkpoints = null)
    {
        _module = module;
        _step = step;
        _options = options;
        _task = task;
        _generator = generator;
        _channel = channel;
        _device = device;
        _augmentation = augmentation;
        _checkpoints = checkpoints;
    }

    /// <summary>Epochs planned: the options come with the values of <see cref="TrainingBudget"/>.</summary>
    private int Epochs => _options.Epochs ?? throw new InvalidOperationException("The training budget sets Epochs before the loop runs.");

    /// <summary>Rows per step, set as <see cref="Epochs"/>.</summary>
    private int BatchSize => _options.BatchSize ?? throw new InvalidOperationException("The training budget sets BatchSize before the loop runs.");

    /// <summary>
    /// Trains <see cref="_module"/> in place; returns the per-epoch metrics. With
    /// <paramref name="resumed"/> (a checkpoint's state, restored with the module, updater and
    /// generators) training continues where that state stopped.
    /// </summary>
    public IReadOnlyList<EpochMetrics> Run(TensorDataset train, TensorDataset? validation, LoopState? resumed = null)
    {
        using var fresh = resumed is null ? new LoopState() : null;
        var state = resumed ?? fresh!;
        long rows = train.Count;
        int batch = BatchSize;
        long stepsPerEpoch = (rows + batch - 1) / batch;
        long totalSteps = stepsPerEpoch * Epochs;
        var x = train.Features;
        var y = train.Labels;
        state.StartClock();

        try
        {
            while (!state.IsFinished(Epochs))
            {
                state.StartEpochClock();
                _module.train();
                if (_options.Shuffle && state.Permutation is null)
                    state.Permutation = Permutation(rows);

                while (state.NextRow < rows)
                {
                    _options.CancellationToken.ThrowIfCancellationRequested();
                    long length = Math.Min(batch, rows - state.NextRow);
                    long step = state.Step;
                    double learningRate = LearningRateAt(step, totalSteps);

                    var (loss, hits) = Step(learningRate, x, y, state.Permutation, state.NextRow, length);
                    state.Meters.Add(loss, hits, length, state.Epoch, step);
                    state.Advance(length);

                    // A checkpoint records the measures, so they are read before one is written.
                    bool report = step % _options.LogEveryNSteps == 0;
                    bool checkpoint = _checkpoints?.IsStepCheckpointDue(state) == true;
                    if (report || state.Meters.IsFull || checkpoint)
                        Read(state.Meters);
                    if (report)
                        ReportProgress(state.Epoch, step, totalSteps, state.Meters.LastLoss, _task.HasAccuracy ? state.Meters.TakeWindowAccuracy() : null, state.Elapsed);
                    if (checkpoint)
                        _checkpoints!.AfterStep(state);
                }
                Read(state.Meters);

                double? validationLoss = null, validationAccuracy = null;
                if (validation is not null)
                {
                    (validationLoss, validationAccuracy) = Evaluate(validation);
                    if (state.RecordValidation(validationLoss.Value) && _options.EarlyStoppingPatience is not null)
                        state.KeepBestWeights(Snapshot());
                }

                var metrics = new EpochMetrics(state.Epoch, Epochs, state.Meters.EpochLossSum / rows, _task.HasAccuracy ? (double)state.Meters.EpochCorrect / rows : null,
                    validationLoss, validationAccuracy, LearningRateAt(state.Step - 1, totalSteps), state.EpochElapsed);
                state.CompleteEpoch(metrics, Epochs, _options.EarlyStoppingPatience);
                _channel.Info(MessageSensitivity.None, FormatEpoch(metrics));
                _options.EpochCompleted?.Invoke(metrics);
                if (state.StoppedEarly)
                    _channel.Info(MessageSensitivity.None, Invariant($"Early stopping after epoch {metrics.Epoch}: validation loss has not improved for {_options.EarlyStoppingPatience} epoch(s) (best {state.BestValidationLoss:F4})."));
                _checkpoints?.AfterEpoch(state);
            }

            // A cancellation that arrives during the last step (or from the last epoch's callback)
            // must not hand back a model: the caller asked to stop and expects the exception.
            _options.CancellationToken.ThrowIfCancellationRequested();
        }
        catch (OperationCanceledException cancelled) when (_checkpoints is not null && _options.CancellationToken.IsCancellationRequested)
        {
            // Between steps the state is always one the loop can resume from: keep it.
            Read(state.Meters);
            if (_checkpoints.OnCancelled(state, cancelled) is { } withCheckpoint)
                throw withCheckpoint;
            throw;
        }

        if (state.BestWeights is not null)
        {
            Restore(state.BestWeights);
            _channel.Info(MessageSensitivity.None, Invariant($"Restored the weights of the epoch with the lowest validation loss ({state.BestValidationLoss:F4})."));
        }
        return state.History;
    }

    /// <summary>A new random order of the rows, drawn from the seeded generator (on the CPU).</summary>
    private Tensor Permutation(long rows)
    {
        var order = torch.randperm(rows, generator: _generator);
        if (_device.type == DeviceType.CPU)
            return order;
        using (order)
            return order.to(_device);
    }

    /// <summary>
    /// One training step on rows [start, start + length) (of the permutation when given). Returns
    /// the step's loss and correct count as tensors that outlive the step's dispose scope (the
    /// caller owns them): they are read later, many steps at once (<see cref="TrainingMeters"/>).
    /// </summary>
    private (Tensor Loss, Tensor? Correct) Step(double learningRate, Tensor x, Tensor y, Tensor? permutation, long start, long length)
    {
        using var scope = torch.NewDisposeScope();
        Tensor xb, yb;
        if (permutation is null)
        {
            xb = x.narrow(0, start, length);
            yb = y.narrow(0, start, length);
        }
        else
        {
            var index = permutation.narrow(0, start, length);
            xb = x.index_select(0, index);
            yb = y.index_select(0, index);
        }
        if (_augmentation is not null)
            xb = _augmentation.Augment(xb, _generator);

        var (loss, correct) = _step.Step(xb, yb, learningRate);
        return (loss.DetachFromDisposeScope(), correct?.DetachFromDisposeScope());
    }

    /// <summary>Reads the pending steps into the meters; a NaN or infinite loss ends training with an error naming its step.</summary>
    private void Read(TrainingMeters meters)
    {
        if (meters.Read() is var (loss, epoch, step))
            throw new InvalidOperationException(Invariant($"Training diverged: the loss is {loss} at epoch {epoch}, step {step}. Lower LearningRate (now {_options.LearningRate}) or check the features for extreme values (scale them to about 0..1 or standardize them)."));
    }

    private (double Loss, double? Accuracy) Evaluate(TensorDataset data)
    {
        _module.eval();
        using var noGrad = torch.no_grad();
        double lossSum = 0;
        long correct = 0;
        long rows = data.Count;
        long chunk = _module.EvaluationRows;
        for (long start = 0; start < rows; start += chunk)
        {
            _options.CancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(chunk, rows - start);
            var yb = data.Labels.narrow(0, start, length);
            var outputs = _module.forward(data.Features.narrow(0, start, length));
            lossSum += _task.SummedLoss(outputs, yb).item<float>();
            if (_task.HasAccuracy)
                correct += _task.CorrectCount(outputs, yb).item<long>();
        }
        _module.train();
        return (lossSum / rows, _task.HasAccuracy ? (double)correct / rows : null);
    }

    private double LearningRateAt(long step, long totalSteps) => _options.LearningRateSchedule switch
    {
        LearningRateSchedule.Cosine => _options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Max(step, 0) / totalSteps)),
        _ => _options.LearningRate,
    };

    private void ReportProgress(int epoch, long step, long totalSteps, float loss, double? accuracy, TimeSpan elapsed)
    {
        string accuracyText = accuracy is double a ? Invariant($" Accuracy: {a:F4}") : "";
        _channel.Info(MessageSensitivity.None, Invariant($"Step {step}: Loss is: {loss:F4}{accuracyText}"));
        _options.ProgressChanged?.Invoke(new TrainingProgress(epoch, Epochs, step, totalSteps, loss, accuracy, elapsed));
    }

    private static string FormatEpoch(EpochMetrics m)
    {
        string training = m.TrainingAccuracy is double ta ? Invariant($"training loss {m.TrainingLoss:F4}, accuracy {ta:F4}") : Invariant($"training loss {m.TrainingLoss:F4}");
        string validation = m.ValidationLoss is double vl
            ? m.ValidationAccuracy is double va ? Invariant($"; validation loss {vl:F4}, accuracy {va:F4}") : Invariant($"; validation loss {vl:F4}")
            : "";
        return Invariant($"Epoch {m.Epoch}/{m.Epochs}: {training}{validation}; {m.Elapsed.TotalSeconds:F2} s");
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var noGrad = torch.no_grad();
        return _module.WeightsAndBuffers().ToDictionary(p => p.Name, p => p.Tensor.detach().clone());
    }

    private void Restore(Dictionary<string, Tensor> weights)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in _module.WeightsAndBuffers())
            tensor.copy_(weights[name]);
    }
}
