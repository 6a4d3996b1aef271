using MnistPipeline.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The perceptron's training step without autograd: the forward pass keeps each layer's
/// activations, the backward pass is written out (output gradient from the task, then per layer
/// the weight and bias gradients as one <c>addmm_</c> and one <c>addmv_</c> each, straight into
/// where the optimizer takes them, and the gradient of the layer's input through the activation's
/// derivative, in place), and the optimizer finishes with one fused update.
/// </summary>
/// <remarks>
/// Why: at the tutorial's batch of 32 a step is about 45 MFLOP, a fraction of a millisecond, and an
/// autograd step spends a comparable time in about 60 small libtorch calls (graph recording, zeroing
/// gradients, per-parameter optimizer calls, one-hot targets). This step makes about half as many
/// and allocates less. Same arithmetic as the autograd step up to float rounding: a test trains
/// every covered combination both ways and compares the weights.
/// Covered: dense layers with ReLU, Tanh or Sigmoid (or none: no hidden layer), every task's loss
/// except label smoothing, SGD (momentum, L2) and Adam/AdamW. Not covered, trained by
/// <see cref="AutogradStep"/>: dropout, label smoothing (see <see cref="TrainingSteps"/>).
/// </remarks>
internal sealed class FusedMlpStep : ITrainingStep
{
    /// <summary>Batch sizes whose buffers are kept (the batch and the last, shorter batch of an epoch).</summary>
    private const int CachedBatchSizes = 4;

    private readonly Tensor[] _weights;
    private readonly Tensor[] _weightsTransposed;
    private readonly Tensor[] _biases;
    private readonly int[] _weightIndex;
    private readonly int[] _biasIndex;
    private readonly Activation _activation;
    private readonly TrainingTask _task;
    private readonly ParameterUpdater _updater;
    private readonly Dictionary<long, BatchBuffers> _buffers = [];

    public FusedMlpStep(MlpModule module, TrainingTask task, ParameterUpdater updater)
    {
        if (module.Dropout > 0)
            throw new ArgumentException("The fused step has no dropout; train with autograd.", nameof(module));
        if (task.WhyNoOutputGradient is string reason)
            throw new ArgumentException($"The fused step has no gradient for {reason}; train with autograd.", nameof(task));
        _task = task;
        _updater = updater;
        _activation = module.Activation;
        var layers = module.Layers;
        _weights = layers.Select(l => l.weight!).Cast<Tensor>().ToArray();
        _biases = layers.Select(l => l.bias ?? throw new ArgumentException("The fused step needs layers with a bias.", nameof(module))).Cast<Tensor>().ToArray();
        _weightIndex = _weights.Select(w => IndexOf(updater, w)).ToArray();
        _biasIndex = _biases.Select(b => IndexOf(updater, b)).ToArray();
        _weightsTransposed = _weights.Select(w => w.t().DetachFromDisposeScope()).ToArray();
    }

    public string Name => "fused";

    public (Tensor Loss, Tensor? Correct) Step(Tensor features, Tensor targets, double learningRate)
    {
        using var noGrad = torch.no_grad();
        var buffers = Buffers(features.shape[0]);

        // Forward, keeping every layer's input (its activations) for the backward pass.
        int layers = _weights.Length;
        var inputs = new Tensor[layers];
        var x = features;
        for (int i = 0; i < layers; i++)
        {
            inputs[i] = x;
            x = torch.addmm(_biases[i], x, _weightsTransposed[i], beta: 1, alpha: 1);
            if (i < layers - 1)
                ActivateInPlace(x);
        }

        var correct = _task.HasAccuracy ? _task.CorrectCount(x, targets) : null;
        var (loss, outputGradient, scale) = _task.LossAndOutputGradient(x, targets, buffers.MinusOnes);

        // Backward: dLoss/dOutputs(layer i) = scale · gradient; below the last layer the gradient
        // lives in this batch size's buffer of layer i, whose transpose is kept with it.
        var gradient = outputGradient;
        using var outputGradientT = outputGradient.t();
        var gradientT = outputGradientT;
        for (int i = layers - 1; i >= 0; i--)
        {
            // The gradient of the layer's input uses the weights before their update.
            if (i > 0)
                buffers.Gradients[i - 1].addmm_(gradient, _weights[i], beta: 0, alpha: 1);
            var w = _updater.FusedGradientTarget(_weightIndex[i], learningRate);
            w.Tensor.addmm_(gradientT, inputs[i], w.Beta, w.Alpha * scale);
            var b = _updater.FusedGradientTarget(_biasIndex[i], learningRate);
            b.Tensor.addmv_(gradientT, buffers.Ones, b.Beta, b.Alpha * scale);
            if (i > 0)
            {
                gradient = ActivationBackwardInPlace(buffers.Gradients[i - 1], inputs[i]);
                gradientT = buffers.GradientsT[i - 1];
            }
        }
        _updater.FinishFusedStep(learningRate);
        return (loss, correct);
    }

    public void Dispose()
    {
        foreach (var transposed in _weightsTransposed)
            transposed.Dispose();
        DisposeBuffers();
    }

    /// <summary>A short description of the path for the log.</summary>
    public static string Describe(MlpModule module, ParameterUpdater updater)
        => $"hand-written backward pass, {module.Activation}, {(updater is AdamUpdater ? "fused Adam update" : "SGD update folded into the gradient products")}";

    private void ActivateInPlace(Tensor x)
    {
        switch (_activation)
        {
            case Activation.Relu: x.relu_(); break;
            case Activation.Tanh: x.tanh_(); break;
            case Activation.Sigmoid: x.sigmoid_(); break;
            default: throw new InvalidOperationException($"Unknown activation {_activation}.");
        }
    }

    /// <summary>
    /// The gradient of the pre-activation from the gradient of the activation <paramref name="a"/>,
    /// in <paramref name="gradient"/>: ReLU: g where a &gt; 0, else 0; Tanh: g − (g·a)·a = g·(1 − a²);
    /// Sigmoid: g·a − (g·a)·a = g·a·(1 − a).
    /// </summary>
    private Tensor ActivationBackwardInPlace(Tensor gradient, Tensor a)
    {
        switch (_activation)
        {
            case Activation.Relu:
            {
                using var inactive = a.le(0);
                return gradient.masked_fill_(inactive, 0);
            }
            case Activation.Tanh:
            {
                using var ga = gradient.mul(a);
                return gradient.addcmul_(ga, a, value: -1);
            }
            case Activation.Sigmoid:
                gradient.mul_(a);
                return gradient.addcmul_(gradient, a, value: -1);
            default:
                throw new InvalidOperationException($"Unknown activation {_activation}.");
        }
    }

    /// <summary>This batch size's buffers, made at its first step.</summary>
    private BatchBuffers Buffers(long rows)
    {
        if (_buffers.TryGetValue(rows, out var buffers))
            return buffers;
        if (_buffers.Count >= CachedBatchSizes)
            DisposeBuffers(); // never in the loop, which has at most two batch sizes
        var device = _weights[0].device;
        var gradients = _weights.Skip(1).Select(w => torch.empty([rows, w.shape[1]], ScalarType.Float32, device).DetachFromDisposeScope()).ToArray();
        buffers = new BatchBuffers(
            torch.ones([rows], ScalarType.Float32, device).DetachFromDisposeScope(),
            torch.full([rows, 1], -1f, ScalarType.Float32, device).DetachFromDisposeScope(),
            gradients,
            gradients.Select(g => g.t().DetachFromDisposeScope()).ToArray());
        _buffers[rows] = buffers;
        return buffers;
    }

    private void DisposeBuffers()
    {
        foreach (var buffers in _buffers.Values)
            buffers.Dispose();
        _buffers.Clear();
    }

    /// <summary>
    /// What a step of one batch size writes into or reads as constants: ones [rows] (column sums by
    /// <c>addmv_</c>), minus ones [rows, 1] (one-hot subtraction), and the gradient of each hidden
    /// layer's output [rows, units] (written by <c>addmm_</c>, then through the activation's
    /// derivative, in place) with its transposed view.
    /// </summary>
    private sealed record BatchBuffers(Tensor Ones, Tensor MinusOnes, Tensor[] Gradients, Tensor[] GradientsT) : IDisposable
    {
        public void Dispose()
        {
            Ones.Dispose();
            MinusOnes.Dispose();
            foreach (var tensor in Gradients.Concat(GradientsT))
                tensor.Dispose();
        }
    }

    private static int IndexOf(ParameterUpdater updater, Tensor parameter)
    {
        for (int i = 0; i < updater.Parameters.Count; i++)
            if (ReferenceEquals(updater.Parameters[i], parameter) || updater.Parameters[i].Handle == parameter.Handle)
                return i;
        throw new ArgumentException("The updater does not update this module's parameters.", nameof(updater));
    }
}
