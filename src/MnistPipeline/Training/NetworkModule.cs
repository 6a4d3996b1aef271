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
    /// The parameters, then the buffers that scoring reads too (batch normalization's running
    /// statistics), by name: what early stopping's best weights and a checkpoint keep of a network.
    /// </summary>
    public IEnumerable<(string Name, Tensor Tensor)> WeightsAndBuffers()
        => named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(named_buffers().Select(b => (b.name, b.buffer)));
}
