using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// An optimizer written here rather than taken from <c>torch.optim</c>: it updates the
/// parameters from gradients it is handed (autograd's, or hand-computed ones), and its state
/// (momentum buffers, Adam moments, step count) is plain tensors it owns, which can be saved and
/// restored exactly. The arithmetic follows <c>torch.optim</c>'s single-tensor implementations.
/// </summary>
internal abstract class ParameterUpdater : IDisposable
{
    private protected ParameterUpdater(IReadOnlyList<Tensor> parameters)
    {
        Parameters = parameters;
    }

    /// <summary>The parameters updated, in a fixed order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>Updates taken so far.</summary>
    public long StepCount { get; set; }

    /// <summary>The state tensors, by name, in a fixed order: what a checkpoint must keep.</summary>
    public abstract IReadOnlyList<(string Name, Tensor Tensor)> State { get; }

    /// <summary>Updates every parameter from its gradient (same order as <see cref="Parameters"/>).</summary>
    public abstract void Step(IReadOnlyList<Tensor> gradients, double learningRate);

    /// <summary>Updates every parameter from the gradient autograd left in its <c>.grad</c>.</summary>
    public void StepFromAutograd(double learningRate)
    {
        var gradients = new Tensor[Parameters.Count];
        for (int i = 0; i < gradients.Length; i++)
            gradients[i] = Parameters[i].grad ?? throw new InvalidOperationException($"Parameter {i} has no gradient: backward() did not reach it.");
        Step(gradients, learningRate);
    }

    public virtual void Dispose()
    {
        foreach (var (_, tensor) in State)
            tensor.Dispose();
    }

    public static ParameterUpdater Create(NetworkOptimizer optimizer, IReadOnlyList<Tensor> parameters, double momentum, double weightDecay)
        => optimizer switch
        {
            NetworkOptimizer.Sgd => new SgdUpdater(parameters, momentum, weightDecay),
            NetworkOptimizer.Adam => new AdamUpdater(parameters, weightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, null),
        };
}

/// <summary>SGD with optional momentum (no dampening) and L2 weight decay, as <c>torch.optim.SGD</c>.</summary>
internal sealed class SgdUpdater : ParameterUpdater
{
    private readonly double _momentum;
    private readonly double _weightDecay;
    private readonly Tensor[] _velocity;

    public SgdUpdater(IReadOnlyList<Tensor> parameters, double momentum, double weightDecay)
        : base(parameters)
    {
        _momentum = momentum;
        _weightDecay = weightDecay;
        _velocity = momentum > 0 ? parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope()).ToArray() : [];
    }

    public override IReadOnlyList<(string Name, Tensor Tensor)> State => _velocity.Select((v, i) => ($"velocity{i}", v)).ToArray();

    public override void Step(IReadOnlyList<Tensor> gradients, double learningRate)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            var g = gradients[i];
            if (_weightDecay != 0)
                g = g.add(p, alpha: _weightDecay);
            if (_momentum > 0)
            {
                // torch.optim.SGD starts the buffer at the first gradient; zeros × momentum + g is the same.
                _velocity[i].mul_(_momentum).add_(g);
                g = _velocity[i];
            }
            p.add_(g, alpha: -learningRate);
        }
        StepCount++;
    }
}

/// <summary>Adam, or AdamW with decoupled weight decay, as <c>torch.optim.Adam</c>/<c>AdamW</c> (betas 0.9/0.999, eps 1e-8).</summary>
internal sealed class AdamUpdater : ParameterUpdater
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    private readonly double _weightDecay;
    private readonly Tensor[] _mean;
    private readonly Tensor[] _variance;

    public AdamUpdater(IReadOnlyList<Tensor> parameters, double weightDecay)
        : base(parameters)
    {
        _weightDecay = weightDecay;
        _mean = parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope()).ToArray();
        _variance = parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public override IReadOnlyList<(string Name, Tensor Tensor)> State =>
        _mean.Select((m, i) => ($"mean{i}", m)).Concat(_variance.Select((v, i) => ($"variance{i}", v))).ToArray();

    public override void Step(IReadOnlyList<Tensor> gradients, double learningRate)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        long step = StepCount + 1;
        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, step));
        double stepSize = learningRate / biasCorrection1;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            var g = gradients[i];
            if (_weightDecay != 0)
                p.mul_(1 - learningRate * _weightDecay);
            _mean[i].mul_(Beta1).add_(g, alpha: 1 - Beta1);
            _variance[i].mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denominator = _variance[i].sqrt().div_(biasCorrection2Sqrt).add_(Epsilon);
            p.addcdiv_(_mean[i], denominator, value: -stepSize);
        }
        StepCount = step;
    }
}
