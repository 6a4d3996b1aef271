using System.Diagnostics;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The training loop of every network: epochs of mini-batch steps with one dispose scope per
/// step, a learning-rate schedule, validation after every epoch with early stopping that keeps
/// the best weights, progress in the log and in the callbacks, cancellation within one step.
/// </summary>
internal sealed class TrainingLoop
{
    /// <summary>Rows per forward pass when measuring validation data (bounded memory).</summary>
    private const long EvaluationChunkRows = 8192;

    private readonly NetworkModule _module;
    private readonly ITrainingStep _step;
    private readonly NetworkTrainerOptions _options;
    private readonly TrainingTask _task;
    private readonly Generator _generator;
    private readonly IChannel _channel;
    private readonly Device _device;
    private readonly IBatchAugmentation? _augmentation;

    /// <param name="module">The network, trained in place.</param>
    /// <param name="step">How one batch is trained (gradients and update).</param>
    /// <param name="options">Batch size, epochs, schedule, shuffling, validation, callbacks, cancellation.</param>
    /// <param name="task">Loss and accuracy of validation.</param>
    /// <param name="generator">The seeded generator of shuffling (and of augmentation draws).</param>
    /// <param name="channel">The log channel.</param>
    /// <param name="device">Where the tensors live.</param>
    /// <param name="augmentation">Transforms each training batch's features before the step; null for none.</param>
    public TrainingLoop(NetworkModule module, ITrainingStep step, NetworkTrainerOptions options, TrainingTask task, Generator generator,
        IChannel channel, Device device, IBatchAugmentation? augmentation = null)
    {
        _module = module;
        _step = step;
        _options = options;
        _task = task;
        _generator = generator;
        _channel = channel;
        _device = device;
        _augmentation = augmentation;
    }

    /// <summary>Trains <see cref="_module"/> in place; returns the per-epoch metrics.</summary>
    public IReadOnlyList<EpochMetrics> Run(TensorDataset train, TensorDataset? validation)
    {
        var history = new List<EpochMetrics>();
        long rows = train.Count;
        int batch = _options.BatchSize;
        long stepsPerEpoch = (rows + batch - 1) / batch;
        long totalSteps = stepsPerEpoch * _options.Epochs;
        var x = train.Features;
        var y = train.Labels;

        var clock = Stopwatch.StartNew();
        using var meters = new TrainingMeters();
        double bestValidationLoss = double.PositiveInfinity;
        int epochsSinceBest = 0;
        Dictionary<string, Tensor>? bestWeights = null;
        long step = 0;

        try
        {
            for (int epoch = 1; epoch <= _options.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                _module.train();
                meters.StartEpoch();
                using var permutation = _options.Shuffle ? Permutation(rows) : null;

                for (long start = 0; start < rows; start += batch, step++)
                {
                    _options.CancellationToken.ThrowIfCancellationRequested();
                    long length = Math.Min(batch, rows - start);
                    double learningRate = LearningRateAt(step, totalSteps);

                    var (loss, hits) = Step(learningRate, x, y, permutation, start, length);
                    meters.Add(loss, hits, length, epoch, step);

                    bool report = step % _options.LogEveryNSteps == 0;
                    if (report || meters.IsFull)
                        Read(meters);
                    if (report)
                        ReportProgress(epoch, step, totalSteps, meters.LastLoss, _task.HasAccuracy ? meters.TakeWindowAccuracy() : null, clock.Elapsed);
                }
                Read(meters);

                double? validationLoss = null, validationAccuracy = null;
                if (validation is not null)
                {
                    (validationLoss, validationAccuracy) = Evaluate(validation);
                    if (validationLoss < bestValidationLoss)
                    {
                        bestValidationLoss = validationLoss.Value;
                        epochsSinceBest = 0;
                        if (_options.EarlyStoppingPatience is not null)
                            bestWeights = Snapshot(bestWeights);
                    }
                    else
                    {
                        epochsSinceBest++;
                    }
                }

                var metrics = new EpochMetrics(epoch, _options.Epochs, meters.EpochLossSum / rows, _task.HasAccuracy ? (double)meters.EpochCorrect / rows : null,
                    validationLoss, validationAccuracy, LearningRateAt(step - 1, totalSteps), epochClock.Elapsed);
                history.Add(metrics);
                _channel.Info(MessageSensitivity.None, FormatEpoch(metrics));
                _options.EpochCompleted?.Invoke(metrics);

                if (_options.EarlyStoppingPatience is int patience && epochsSinceBest >= patience && epoch < _options.Epochs)
                {
                    _channel.Info(MessageSensitivity.None, Invariant($"Early stopping after epoch {epoch}: validation loss has not improved for {patience} epoch(s) (best {bestValidationLoss:F4})."));
                    break;
                }
            }

            // A cancellation that arrives during the last step (or from the last epoch's callback)
            // must not hand back a model: the caller asked to stop and expects the exception.
            _options.CancellationToken.ThrowIfCancellationRequested();

            if (bestWeights is not null)
            {
                Restore(bestWeights);
                _channel.Info(MessageSensitivity.None, Invariant($"Restored the weights of the epoch with the lowest validation loss ({bestValidationLoss:F4})."));
            }
        }
        finally
        {
            if (bestWeights is not null)
                foreach (var tensor in bestWeights.Values)
                    tensor.Dispose();
        }
        return history;
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
        for (long start = 0; start < rows; start += EvaluationChunkRows)
        {
            _options.CancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            long length = Math.Min(EvaluationChunkRows, rows - start);
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
        _options.ProgressChanged?.Invoke(new TrainingProgress(epoch, _options.Epochs, step, totalSteps, loss, accuracy, elapsed));
    }

    private static string FormatEpoch(EpochMetrics m)
    {
        string training = m.TrainingAccuracy is double ta ? Invariant($"training loss {m.TrainingLoss:F4}, accuracy {ta:F4}") : Invariant($"training loss {m.TrainingLoss:F4}");
        string validation = m.ValidationLoss is double vl
            ? m.ValidationAccuracy is double va ? Invariant($"; validation loss {vl:F4}, accuracy {va:F4}") : Invariant($"; validation loss {vl:F4}")
            : "";
        return Invariant($"Epoch {m.Epoch}/{m.Epochs}: {training}{validation}; {m.Elapsed.TotalSeconds:F2} s");
    }

    private Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor>? previous)
    {
        if (previous is not null)
            foreach (var tensor in previous.Values)
                tensor.Dispose();
        using var noGrad = torch.no_grad();
        return WeightsAndBuffers().ToDictionary(p => p.Name, p => p.Tensor.detach().clone());
    }

    private void Restore(Dictionary<string, Tensor> weights)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in WeightsAndBuffers())
            tensor.copy_(weights[name]);
    }

    /// <summary>The parameters, and the buffers that scoring reads too (batch normalization's running statistics).</summary>
    private IEnumerable<(string Name, Tensor Tensor)> WeightsAndBuffers()
        => _module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(_module.named_buffers().Select(b => (b.name, b.buffer)));
}
