using MnistPipeline.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The perceptron as a TorchSharp module: Linear layers with an activation (and optional
/// dropout) between them; the last layer returns the raw outputs.
/// </summary>
internal sealed class MlpModule : NetworkModule
{
    // Field names are the parameter names ("layers.0.weight", …).
    private readonly ModuleList<Linear> layers;
    private readonly Activation _activation;
    private readonly double _dropout;

    public MlpModule(int inputSize, IReadOnlyList<int> hiddenLayers, int outputSize, Activation activation, double dropout)
        : base(nameof(MlpModule))
    {
        int[] sizes = [inputSize, .. hiddenLayers, outputSize];
        layers = new ModuleList<Linear>();
        for (int i = 0; i + 1 < sizes.Length; i++)
            layers.Add(nn.Linear(sizes[i], sizes[i + 1]));
        _activation = activation;
        _dropout = dropout;
        RegisterComponents();
    }

    public IList<Linear> Layers => layers;

    public Activation Activation => _activation;

    public double Dropout => _dropout;

    /// <summary>A module with the architecture and weights of <paramref name="model"/> (warm start).</summary>
    public static MlpModule From(MlpModelParameters model, double dropout)
    {
        var hidden = model.Layers.Take(model.Layers.Count - 1).ToArray();
        var activation = hidden.Length == 0 ? Activation.Relu : hidden[0].Activation!.Value;
        if (hidden.Any(l => l.Activation != activation))
            throw new ArgumentException("The warm-start perceptron mixes activations across hidden layers; MlpTrainer trains one activation for all of them.", nameof(model));
        var module = new MlpModule(model.InputSize, hidden.Select(l => l.OutputSize).ToArray(), model.OutputSize, activation, dropout);
        using var noGrad = torch.no_grad();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var source = model.Layers[i];
            var layer = module.layers[i];
            layer.weight!.copy_(torch.tensor(source.Weights.ToArray(), [source.OutputSize, source.InputSize]));
            layer.bias!.copy_(torch.tensor(source.Bias.ToArray(), [source.OutputSize]));
        }
        return module;
    }

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
    public void Initialize(WeightInitialization initialization, Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var layer in layers)
        {
            long fanIn = layer.in_features, fanOut = layer.out_features;
            switch (initialization)
            {
                case WeightInitialization.GlorotUniform:
                    double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
                    nn.init.uniform_(layer.weight!, -limit, limit, generator);
                    nn.init.zeros_(layer.bias!);
                    break;
                case WeightInitialization.LibTorchDefault:
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

    public override NetworkModelParameters Export(NetworkTask task)
    {
        var result = new List<MlpLayer>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            result.Add(new MlpLayer((int)layer.in_features, (int)layer.out_features,
                ToArray(layer.weight!), ToArray(layer.bias!), i == layers.Count - 1 ? null : _activation));
        }
        return new MlpModelParameters(result, task);
    }

    private protected override long WidestOutput => layers.Max(l => Math.Max(l.in_features, l.out_features));

    public override string Describe()
    {
        var sizes = new[] { layers[0].in_features }.Concat(layers.Select(l => l.out_features));
        string dropout = _dropout > 0 ? System.FormattableString.Invariant($", dropout {_dropout}") : "";
        return $"MLP {string.Join("-", sizes)} ({_activation}{dropout})";
    }

    private Tensor Activate(Tensor x) => _activation switch
    {
        Activation.Relu => nn.functional.relu(x),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        _ => throw new InvalidOperationException($"Unknown activation {_activation}."),
    };

    private static float[] ToArray(Tensor parameter)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = parameter.detach().cpu().contiguous();
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(cpu.bytes).ToArray();
    }
}
