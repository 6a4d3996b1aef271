using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// LeNet-5 with ReLU and max pooling as a plain TorchSharp module: conv 6@5×5 (padding 2), ReLU,
/// max pool 2; conv 16@5×5, ReLU, max pool 2; linear 400→120, ReLU; 120→84, ReLU; 84→10.
/// </summary>
internal sealed class PlainLeNet5Module : PlainImageModule
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly Linear fc3;

    public PlainLeNet5Module() : base(nameof(PlainLeNet5Module))
    {
        conv1 = nn.Conv2d(1, 6, 5, padding: 2);
        conv2 = nn.Conv2d(6, 16, 5);
        fc1 = nn.Linear(16 * 5 * 5, 120);
        fc2 = nn.Linear(120, 84);
        fc3 = nn.Linear(84, 10);
        RegisterComponents();
    }

    // 28·28·6·1·25 + 10·10·16·6·25 + 400·120 + 120·84 + 84·10
    public override long MultiplyAdds => 28 * 28 * 6 * 25 + 10 * 10 * 16 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10;

    public override Tensor forward(Tensor input)
    {
        var x = input.view(-1, 1, 28, 28);
        x = nn.functional.max_pool2d(nn.functional.relu(conv1.forward(x)), 2);
        x = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(x)), 2);
        x = nn.functional.relu(fc1.forward(x.flatten(1)));
        x = nn.functional.relu(fc2.forward(x));
        return fc3.forward(x);
    }

    public override void Initialize(Generator generator)
    {
        Uniform(conv1.weight!, conv1.bias!, 1 * 25, generator);
        Uniform(conv2.weight!, conv2.bias!, 6 * 25, generator);
        Uniform(fc1.weight!, fc1.bias!, 400, generator);
        Uniform(fc2.weight!, fc2.bias!, 120, generator);
        Uniform(fc3.weight!, fc3.bias!, 84, generator);
    }
}
