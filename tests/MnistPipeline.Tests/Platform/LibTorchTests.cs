using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Tests.Platform;

/// <summary>Proves that libtorch loads inside the test host and can train.</summary>
[TestClass]
public sealed class LibTorchTests
{
    [TestMethod]
    public void ForwardBackward_SmallNetwork_ComputesGradientsAndLowersLoss()
    {
        torch.manual_seed(7);
        using var scope = torch.NewDisposeScope();
        var net = nn.Sequential(("fc1", nn.Linear(4, 8)), ("relu", nn.ReLU()), ("fc2", nn.Linear(8, 3)));
        var x = torch.randn(16, 4);
        var y = torch.randint(0, 3, [16], dtype: ScalarType.Int64);
        var optimizer = optim.SGD(net.parameters(), 0.1);

        float first = 0, last = 0;
        for (int step = 0; step < 50; step++)
        {
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.forward(x), y);
            loss.backward();
            optimizer.step();
            if (step == 0)
            {
                first = loss.item<float>();
                foreach (var p in net.parameters())
                    Assert.IsNotNull(p.grad, "every parameter receives a gradient");
            }
            last = loss.item<float>();
        }

        Assert.IsTrue(float.IsFinite(first) && float.IsFinite(last));
        Assert.IsLessThan(first * 0.8f, last, $"50 SGD steps on 16 fixed points should lower the loss (first {first}, last {last})");
    }
}
