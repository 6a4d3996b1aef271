using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>784-256-128-10 with ReLU: the network of the tutorial, as a plain TorchSharp module.</summary>
internal sealed class PlainMlpModule : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;

    public PlainMlpModule() : base(nameof(PlainMlpModule))
    {
        fc1 = nn.Linear(784, 256);
        fc2 = nn.Linear(256, 128);
        fc3 = nn.Linear(128, 10);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) =>
        fc3.forward(nn.functional.relu(fc2.forward(nn.functional.relu(fc1.forward(input)))));

    /// <summary>Glorot-uniform weights (±sqrt(6 / (fanIn + fanOut))) and zero biases, drawn in layer order.</summary>
    public void InitializeGlorot(Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var layer in new[] { fc1, fc2, fc3 })
        {
            double limit = Math.Sqrt(6.0 / (layer.in_features + layer.out_features));
            nn.init.uniform_(layer.weight!, -limit, limit, generator);
            nn.init.zeros_(layer.bias!);
        }
    }
}
