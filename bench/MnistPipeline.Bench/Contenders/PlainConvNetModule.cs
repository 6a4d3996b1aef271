using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// ConvNetTrainer's default network as a plain TorchSharp module: conv 16@3×3, batch norm, ReLU,
/// max pool 2; conv 64@3×3, batch norm, ReLU, max pool 2; linear 1600→128, ReLU, dropout 0.25;
/// linear 128→10.
/// </summary>
internal sealed class PlainConvNetModule : PlainImageModule
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public PlainConvNetModule() : base(nameof(PlainConvNetModule))
    {
        conv1 = nn.Conv2d(1, 16, 3);
        bn1 = nn.BatchNorm2d(16);
        conv2 = nn.Conv2d(16, 64, 3);
        bn2 = nn.BatchNorm2d(64);
        fc1 = nn.Linear(64 * 5 * 5, 128);
        fc2 = nn.Linear(128, 10);
        RegisterComponents();
    }

    // 26·26·16·1·9 + 11·11·64·16·9 + 1600·128 + 128·10
    public override long MultiplyAdds => 26 * 26 * 16 * 9 + 11 * 11 * 64 * 16 * 9 + 1600 * 128 + 128 * 10;

    public override Tensor forward(Tensor input)
    {
        var x = input.view(-1, 1, 28, 28);
        x = nn.functional.max_pool2d(nn.functional.relu(bn1.forward(conv1.forward(x))), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(bn2.forward(conv2.forward(x))), 2);
        x = nn.functional.dropout(nn.functional.relu(fc1.forward(x.flatten(1))), 0.25, training);
        return fc2.forward(x);
    }

    public override void Initialize(Generator generator)
    {
        Uniform(conv1.weight!, conv1.bias!, 1 * 9, generator);
        Uniform(conv2.weight!, conv2.bias!, 16 * 9, generator);
        Uniform(fc1.weight!, fc1.bias!, 1600, generator);
        Uniform(fc2.weight!, fc2.bias!, 128, generator);
    }
}
