using MnistPipeline.Scoring;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The perceptron as a TorchSharp module: Linear layers with an activation (and optional
/// dropout) between them; the last layer returns logits.
/// </summary>
internal sealed class MlpModule : nn.Module<Tensor, Tensor>
{
    // Field names are the parameter names ("layers.0.weight", …).
    private readonly ModuleList<Linear> layers;
    private readonly MlpActivation _activation;
    private readonly double _dropout;

    public MlpModule(int inputSize, IReadOnlyList<int> hiddenLayers, int classCount, MlpActivation activation, double dropout)
        : base(nameof(MlpModule))
    {
        int[] sizes = [inputSize, .. hiddenLayers, classCount];
        layers = new ModuleList<Linear>();
        for (int i = 0; i + 1 < sizes.Length; i++)
            layers.Add(nn.Linear(sizes[i], sizes[i + 1]));
        _activation = activation;
        _dropout = dropout;
        RegisterComponents();
    }

    public IEnumerable<Linear> Layers => layers;

    public override Tensor forward(Tensor input)
    {
        Tensor x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            if (i == layers.Count - 1)
                break;
            x = Activate(x);
            if (_dropout > 0 && training)
                x = nn.functional.dropout(x, _dropout, training: true);
        }
        return x;
    }

    /// <summary>Draws initial weights and biases from <paramref name="generator"/>.</summary>
    public void Initialize(MlpWeightInitialization initialization, Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var layer in layers)
        {
            long fanIn = layer.in_features, fanOut = layer.out_features;
            switch (initialization)
            {
                case MlpWeightInitialization.GlorotUniform:
                    double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
                    nn.init.uniform_(layer.weight!, -limit, limit, generator);
                    nn.init.zeros_(layer.bias!);
                    break;
                case MlpWeightInitialization.LibTorchDefault:
                    // kaiming_uniform(a = sqrt(5)) reduces to ±1/sqrt(fanIn); so does the bias bound.
                    double bound = 1.0 / Math.Sqrt(fanIn);
                    nn.init.uniform_(layer.weight!, -bound, bound, generator);
                    nn.init.uniform_(layer.bias!, -bound, bound, generator);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(initialization), initialization, null);
            }
        }
    }

    /// <summary>Copies the trained parameters out of libtorch.</summary>
    public IReadOnlyList<MlpLayer> ExportLayers()
    {
        var result = new List<MlpLayer>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            result.Add(new MlpLayer((int)layer.in_features, (int)layer.out_features,
                ToArray(layer.weight!), ToArray(layer.bias!), i == layers.Count - 1 ? null : _activation));
        }
        return result;
    }

    private Tensor Activate(Tensor x) => _activation switch
    {
        MlpActivation.Relu => nn.functional.relu(x),
        MlpActivation.Tanh => x.tanh(),
        MlpActivation.Sigmoid => x.sigmoid(),
        _ => throw new InvalidOperationException($"Unknown activation {_activation}."),
    };

    private static float[] ToArray(Tensor parameter)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = parameter.detach().cpu().contiguous();
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(cpu.bytes).ToArray();
    }
}
