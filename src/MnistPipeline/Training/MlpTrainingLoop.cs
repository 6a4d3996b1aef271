using System.Diagnostics;
using Microsoft.ML.Runtime;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The TorchSharp training loop: epochs of mini-batch steps over tensors already in memory,
/// one dispose scope per step (so native memory does not grow from step to step), then an
/// optional validation pass per epoch with early stopping.
/// </summary>
internal sealed class MlpTrainingLoop
{
    private const int EvaluationChunkRows = 8192;

    private readonly MlpModule _module;
    private readonly MlpTrainer.Options _options;
    private readonly int _classCount;
    private readonly Generator _generator;
    private readonly IChannel _channel;
    private readonly Device _device;

    public MlpTrainingLoop(MlpModule module, MlpTrainer.Options options, int classCount, Generator generator,
        IChannel channel, Device device)
    {
        _module = module;
        _options = options;
        _classCount = classCount;
        _generator = generator;
        _channel = channel;
        _device = device;
    }

    /// <summary>Trains <see cref="_module"/> in place; returns the per-epoch metrics.</summary>
    public IReadOnlyList<MlpEpochMetrics> Run(TensorDataset train, TensorDataset? validation)
    {
        var history = new List<MlpEpochMetrics>();
        long rows = train.Count;
        int batch = _options.BatchSize;
        long stepsPerEpoch = (rows + batch - 1) / batch;
        long totalSteps = stepsPerEpoch * _options.Epochs;
        var x = train.Features;
        var y = train.Labels;

        using var optimizer = CreateOptimizer();
        var clock = Stopwatch.StartNew();
        var window = new AccuracyWindow();
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
                double lossSum = 0;
                long correct = 0;
                using var permutation = _options.Shuffle ? Permutation(rows) : null;

                for (long start = 0; start < rows; start += batch, step++)
                {
                    _options.CancellationToken.ThrowIfCancellationRequested();
                    long length = Math.Min(batch, rows - start);
                    double learningRate = LearningRateAt(step, totalSteps);
                    foreach (var group in optimizer.ParamGroups)
                        group.LearningRate = learningRate;

                    var (loss, hits) = Step(optimizer, x, y, permutation, start, length, epoch, step);
                    lossSum += loss * length;
                    correct += hits;
                    window.Add(hits, length);

                    if (step % _options.LogEveryNSteps == 0)
                        ReportProgress(epoch, step, totalSteps, loss, window.TakeAccuracy(), clock.Elapsed);
                }

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

                var metrics = new MlpEpochMetrics(epoch, _options.Epochs, lossSum / rows, (double)correct / rows,
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

    private (float Loss, long Correct) Step(optim.Optimizer optimizer, Tensor x, Tensor y, Tensor? permutation,
        long start, long length, int epoch, long step)
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

        var logits = _module.forward(xb);
        var loss = Loss(logits, yb, training: true);
        float lossValue = loss.item<float>();
        if (!float.IsFinite(lossValue))
            throw new InvalidOperationException(Invariant($"Training diverged: the loss is {lossValue} at epoch {epoch}, step {step}. Lower LearningRate (now {_options.LearningRate}) or check the features for extreme values (scale pixels to 0..1)."));

        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        long hits = logits.argmax(1).eq(yb).sum().item<long>();
        return (lossValue, hits);
    }

    /// <summary>Batch-mean loss (training) or summed loss (evaluation) of <paramref name="logits"/>.</summary>
    private Tensor Loss(Tensor logits, Tensor labels, bool training)
    {
        var reduction = training ? nn.Reduction.Mean : nn.Reduction.Sum;
        switch (_options.Loss)
        {
            case MlpLoss.CrossEntropy:
                return nn.functional.cross_entropy(logits, labels, reduction: reduction,
                    label_smoothing: training ? _options.LabelSmoothing : 0.0);
            case MlpLoss.SquaredError:
                var oneHot = nn.functional.one_hot(labels, _classCount).to(ScalarType.Float32);
                var sum = (logits - oneHot).square().sum();
                return training ? sum / labels.shape[0] : sum;
            default:
                throw new InvalidOperationException($"Unknown loss {_options.Loss}.");
        }
    }

    private (double Loss, double Accuracy) Evaluate(TensorDataset data)
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
            var logits = _module.forward(data.Features.narrow(0, start, length));
            lossSum += Loss(logits, yb, training: false).item<float>();
            correct += logits.argmax(1).eq(yb).sum().item<long>();
        }
        _module.train();
        return (lossSum / rows, (double)correct / rows);
    }

    private optim.Optimizer CreateOptimizer()
    {
        var parameters = _module.parameters();
        return _options.Optimizer switch
        {
            MlpOptimizer.Sgd => optim.SGD(parameters, _options.LearningRate, momentum: _options.Momentum, weight_decay: _options.WeightDecay),
            MlpOptimizer.Adam when _options.WeightDecay > 0 => optim.AdamW(parameters, _options.LearningRate, weight_decay: _options.WeightDecay),
            MlpOptimizer.Adam => optim.Adam(parameters, _options.LearningRate),
            _ => throw new InvalidOperationException($"Unknown optimizer {_options.Optimizer}."),
        };
    }

    private double LearningRateAt(long step, long totalSteps) => _options.LearningRateSchedule switch
    {
        MlpLearningRateSchedule.Cosine => _options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Max(step, 0) / totalSteps)),
        _ => _options.LearningRate,
    };

    private void ReportProgress(int epoch, long step, long totalSteps, float loss, double accuracy, TimeSpan elapsed)
    {
        _channel.Info(MessageSensitivity.None, Invariant($"Step {step}: Loss is: {loss:F4} Accuracy: {accuracy:F4}"));
        _options.ProgressChanged?.Invoke(new MlpTrainingProgress(epoch, _options.Epochs, step, totalSteps, loss, accuracy, elapsed));
    }

    private static string FormatEpoch(MlpEpochMetrics m)
    {
        string validation = m.ValidationLoss is double vl
            ? Invariant($"; validation loss {vl:F4}, accuracy {m.ValidationAccuracy:F4}")
            : "";
        return Invariant($"Epoch {m.Epoch}/{m.Epochs}: training loss {m.TrainingLoss:F4}, accuracy {m.TrainingAccuracy:F4}{validation}; {m.Elapsed.TotalSeconds:F2} s");
    }

    private Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor>? previous)
    {
        if (previous is not null)
            foreach (var tensor in previous.Values)
                tensor.Dispose();
        using var noGrad = torch.no_grad();
        return _module.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
    }

    private void Restore(Dictionary<string, Tensor> weights)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in _module.named_parameters())
            parameter.copy_(weights[name]);
    }

    /// <summary>Training accuracy over the steps since the last report, as the tutorial's meter.</summary>
    private sealed class AccuracyWindow
    {
        private long _correct;
        private long _seen;

        public void Add(long correct, long seen)
        {
            _correct += correct;
            _seen += seen;
        }

        public double TakeAccuracy()
        {
            double accuracy = _seen == 0 ? 0 : (double)_correct / _seen;
            _correct = 0;
            _seen = 0;
            return accuracy;
        }
    }
}
