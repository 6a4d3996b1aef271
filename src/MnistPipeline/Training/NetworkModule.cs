using MnistPipeline.Networks;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// A network as a TorchSharp module that the training loop can train: rows [n, d] in, raw
/// outputs [n, o] out. Each network kind (perceptron, …) has one, and turns its trained
/// parameters into model parameters.
/// </summary>
internal abstract class NetworkModule : nn.Module<Tensor, Tensor>
{
    private protected NetworkModule(string name)
        : base(name)
    {
    }

    /// <summary>Copies the trained parameters out of libtorch as model parameters of <paramref name="task"/> (head: temperature 1, no target scale).</summary>
    public abstract NetworkModelParameters Export(NetworkTask task);

    /// <summary>The architecture in one line for the log header, e.g. "MLP 784-256-128-10 (Relu)".</summary>
    public abstract string Describe();

    /// <summary>
    /// Rows per forward pass when measuring data without training it (validation after every
    /// epoch, the calibration's outputs): as many as keep the widest layer's outputs within
    /// <see cref="EvaluationFloats"/>, between 32 and 8,192 rows. A perceptron's layers are narrow;
    /// a convolution's feature maps are not (16 × 26 × 26 floats a row in ConvNetTrainer's default
    /// network), and one pass over 3,000 such rows took 0.90 s where passes of 512 took 0.39 s.
    /// </summary>
    public long EvaluationRows => Math.Clamp(EvaluationFloats / Math.Max(1, WidestOutput), 32, 8192);

    /// <summary>Floats of the widest layer's outputs that one evaluation pass may hold (16 MB).</summary>
    private const long EvaluationFloats = 1L << 22;

    /// <summary>Floats per row of the widest output of any layer (a feature map's channels × height × width).</summary>
    private protected abstract long WidestOutput { get; }

    /// <summary>
    /// The parameters, then the buffers that scoring reads too (batch normalization's running
    /// statistics), by name: what early stopping's best weights and a checkpoint keep of a network.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> WeightsAndBuffers()
        => named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(named_buffers().Select(b => (b.name, b.buffer)));
}
