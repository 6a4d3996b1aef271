using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// An optimizer written here rather than taken from <c>torch.optim</c>: it updates the
/// parameters from gradients it is handed (autograd's, or hand-computed ones), and its state
/// (momentum buffers, Adam moments, step count) is plain tensors it owns, which can be saved and
/// restored exactly. The arithmetic follows <c>torch.optim</c>'s single-tensor implementations.
/// </summary>
/// <remarks>
/// Two ways in, one arithmetic per algorithm. <see cref="Step"/> takes finished gradients
/// (autograd's). A fused step instead writes each gradient straight to where the algorithm
/// consumes it (<see cref="FusedGradientTarget"/>: for plain SGD into the parameter itself, for
/// momentum into the velocity, for Adam into a gradient buffer), then calls
/// <see cref="FinishFusedStep"/>. When the parameters are packed into one buffer
/// (<see cref="ParameterPacking"/>), the state tensors are views of packed buffers too, and the
/// fused finish updates all parameters with one call per operation.
/// </remarks>
internal abstract class ParameterUpdater : IDisposable
{
    private protected ParameterUpdater(IReadOnlyList<Tensor> parameters, Tensor? packed)
    {
        Parameters = parameters;
        if (packed is not null && packed.numel() != parameters.Sum(p => p.numel()))
            throw new ArgumentException("The packed buffer does not hold exactly the parameters.", nameof(packed));
        Packed = packed;
    }

    /// <summary>The parameters updated, in a fixed order.</summary>
    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>Updates taken so far.</summary>
    public long StepCount { get; set; }

    /// <summary>The state tensors, by name, in a fixed order: what a checkpoint must keep.</summary>
    public abstract IReadOnlyList<(string Name, Tensor Tensor)> State { get; }

    /// <summary>The 1-D buffer that holds every parameter in order (each a view of it); null when not packed.</summary>
    private protected Tensor? Packed { get; }

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

    /// <summary>
    /// Where a fused step writes the gradient g of parameter <paramref name="index"/>, as
    /// <c>Tensor ← Beta · Tensor + Alpha · g</c> (the form of <c>addmm_</c> and <c>addmv_</c>). Call
    /// it for every parameter, in any order, then <see cref="FinishFusedStep"/>; no parameter is
    /// read by the update before the finish, except where the target is the parameter itself.
    /// Runs under <c>no_grad</c>.
    /// </summary>
    public abstract GradientTarget FusedGradientTarget(int index, double learningRate);

    /// <summary>Completes the update whose gradients were written to the <see cref="FusedGradientTarget"/>s. Runs under <c>no_grad</c>.</summary>
    public abstract void FinishFusedStep(double learningRate);

    public virtual void Dispose()
    {
        foreach (var (_, tensor) in State)
            tensor.Dispose();
    }

    /// <param name="optimizer">The algorithm.</param>
    /// <param name="parameters">The parameters, in a fixed order.</param>
    /// <param name="momentum">SGD's momentum.</param>
    /// <param name="weightDecay">L2 penalty for SGD, decoupled decay for Adam.</param>
    /// <param name="packed">The buffer <see cref="ParameterPacking.Pack"/> moved <paramref name="parameters"/> into; null if not packed.</param>
    public static ParameterUpdater Create(NetworkOptimizer optimizer, IReadOnlyList<Tensor> parameters, double momentum, double weightDecay, Tensor? packed = null)
        => optimizer switch
        {
            NetworkOptimizer.Sgd => new SgdUpdater(parameters, momentum, weightDecay, packed),
            NetworkOptimizer.Adam => new AdamUpdater(parameters, weightDecay, packed),
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, null),
        };

    /// <summary>Zero state of the parameters' shapes: views of one zeroed buffer when packed (the buffer is returned to be disposed with them).</summary>
    private protected (Tensor[] PerParameter, Tensor? Packed) ZeroState()
    {
        if (Packed is null)
            return (Parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope()).ToArray(), null);
        var packed = torch.zeros_like(Packed).DetachFromDisposeScope();
        return (ParameterPacking.Views(packed, Parameters), packed);
    }
}

/// <summary>A fused step's gradient destination: <c>Tensor ← Beta · Tensor + Alpha · gradient</c>.</summary>
internal readonly record struct GradientTarget(Tensor Tensor, float Beta, float Alpha);

/// <summary>SGD with optional momentum (no dampening) and L2 weight decay, as <c>torch.optim.SGD</c>.</summary>
internal sealed class SgdUpdater : ParameterUpdater
{
    private readonly double _momentum;
    private readonly double _weightDecay;
    private readonly Tensor[] _velocity;
    private readonly Tensor? _packedVelocity;

    public SgdUpdater(IReadOnlyList<Tensor> parameters, double momentum, double weightDecay, Tensor? packed = null)
        : base(parameters, packed)
    {
        _momentum = momentum;
        _weightDecay = weightDecay;
        (_velocity, _packedVelocity) = momentum > 0 ? ZeroState() : ([], null);
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

    /// <summary>
    /// Without momentum the gradient goes straight into the parameter: p ← (1 − lr·λ)·p − lr·g is
    /// p − lr·(g + λ·p), SGD with L2. With momentum it goes into the velocity, v ← μ·v + g, and the
    /// finish adds λ·p and moves p.
    /// </summary>
    public override GradientTarget FusedGradientTarget(int index, double learningRate) => _momentum > 0
        ? new GradientTarget(_velocity[index], (float)_momentum, 1)
        : new GradientTarget(Parameters[index], (float)(1 - learningRate * _weightDecay), (float)-learningRate);

    public override void FinishFusedStep(double learningRate)
    {
        if (_momentum > 0)
        {
            if (_packedVelocity is not null)
                MoveAlongVelocity(Packed!, _packedVelocity, learningRate);
            else
                for (int i = 0; i < Parameters.Count; i++)
                    MoveAlongVelocity(Parameters[i], _velocity[i], learningRate);
        }
        StepCount++;
    }

    public override void Dispose()
    {
        base.Dispose();
        _packedVelocity?.Dispose();
    }

    private void MoveAlongVelocity(Tensor p, Tensor velocity, double learningRate)
    {
        if (_weightDecay != 0)
            velocity.add_(p, alpha: _weightDecay);
        p.add_(velocity, alpha: -learningRate);
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
    private readonly Tensor? _packedMean;
    private readonly Tensor? _packedVariance;

    /// <summary>Where a fused step writes the gradients (allocated at its first use; not state).</summary>
    private Tensor[]? _gradients;
    private Tensor? _packedGradients;

    public AdamUpdater(IReadOnlyList<Tensor> parameters, double weightDecay, Tensor? packed = null)
        : base(parameters, packed)
    {
        _weightDecay = weightDecay;
        (_mean, _packedMean) = ZeroState();
        (_variance, _packedVariance) = ZeroState();
    }

    public override IReadOnlyList<(string Name, Tensor Tensor)> State =>
        _mean.Select((m, i) => ($"mean{i}", m)).Concat(_variance.Select((v, i) => ($"variance{i}", v))).ToArray();

    public override void Step(IReadOnlyList<Tensor> gradients, double learningRate)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var (stepSize, biasCorrection2Sqrt) = NextStep(learningRate);
        for (int i = 0; i < Parameters.Count; i++)
            Update(Parameters[i], gradients[i], _mean[i], _variance[i], learningRate, stepSize, biasCorrection2Sqrt);
    }

    public override GradientTarget FusedGradientTarget(int index, double learningRate)
    {
        if (_gradients is null)
            (_gradients, _packedGradients) = ZeroState();
        return new GradientTarget(_gradients[index], 0, 1);
    }

    public override void FinishFusedStep(double learningRate)
    {
        var gradients = _gradients ?? throw new InvalidOperationException("FinishFusedStep before any FusedGradientTarget.");
        var (stepSize, biasCorrection2Sqrt) = NextStep(learningRate);
        if (_packedGradients is not null)
            Update(Packed!, _packedGradients, _packedMean!, _packedVariance!, learningRate, stepSize, biasCorrection2Sqrt);
        else
            for (int i = 0; i < Parameters.Count; i++)
                Update(Parameters[i], gradients[i], _mean[i], _variance[i], learningRate, stepSize, biasCorrection2Sqrt);
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var tensor in new[] { _packedMean, _packedVariance, _packedGradients }.Concat(_gradients ?? []))
            tensor?.Dispose();
    }

    /// <summary>Counts the step; returns its step size and √(1 − β₂ᵗ).</summary>
    private (double StepSize, double BiasCorrection2Sqrt) NextStep(double learningRate)
    {
        long step = ++StepCount;
        double biasCorrection1 = 1 - Math.Pow(Beta1, step);
        return (learningRate / biasCorrection1, Math.Sqrt(1 - Math.Pow(Beta2, step)));
    }

    /// <summary>One Adam update of <paramref name="p"/> (one parameter, or all of them packed).</summary>
    private void Update(Tensor p, Tensor g, Tensor mean, Tensor variance, double learningRate, double stepSize, double biasCorrection2Sqrt)
    {
        if (_weightDecay != 0)
            p.mul_(1 - learningRate * _weightDecay);
        mean.mul_(Beta1).add_(g, alpha: 1 - Beta1);
        variance.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
        using var denominator = variance.sqrt().div_(biasCorrection2Sqrt).add_(Epsilon);
        p.addcdiv_(mean, denominator, value: -stepSize);
    }
}
