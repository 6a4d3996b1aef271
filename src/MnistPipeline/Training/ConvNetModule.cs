using System.Runtime.InteropServices;
using MnistPipeline.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// The convolutional network as a TorchSharp module: rows [n, C·H·W] in, viewed as images
/// [n, C, H, W]; Conv2d (with BatchNorm2d where asked) and the activation, max pooling and
/// dropout as the layer list says; flattened into Linear layers; the last Linear layer returns
/// the raw outputs.
/// </summary>
internal sealed class ConvNetModule : NetworkModule
{
    private const double BatchNormEpsilon = 1e-5;

    // Field names are the parameter names ("convs.0.weight", "norms.0.running_mean", "dense.1.bias", …).
    private readonly ModuleList<Conv2d> convs = new();
    private readonly ModuleList<BatchNorm2d> norms = new();
    private readonly ModuleList<Linear> dense = new();
    private readonly List<Step> _steps = [];
    private readonly ImageShape _image;
    private readonly Activation _activation;
    private readonly long _widest;

    /// <summary>One step of the forward pass: which module (by index) or which function.</summary>
    private abstract record Step;
    private sealed record ConvolutionStep(int Conv, int? Norm, ImageShape Input) : Step;
    private sealed record PoolingStep(int KernelSize, int Stride, ImageShape Input) : Step;
    private sealed record DropoutStep(double Rate) : Step;
    private sealed record DenseStep(int Dense) : Step;

    /// <param name="image">The image each row holds.</param>
    /// <param name="layers">The architecture (checked by <see cref="ConvNetArchitecture"/>).</param>
    /// <param name="outputSize">Units of the output layer added after <paramref name="layers"/>.</param>
    /// <param name="activation">The activation after every convolution and hidden dense layer.</param>
    public ConvNetModule(ImageShape image, IReadOnlyList<ConvNetLayerSpec> layers, int outputSize, Activation activation)
        : base(nameof(ConvNetModule))
    {
        _image = image;
        _activation = activation;
        _widest = image.Size;
        var shape = image;
        long units = -1;
        foreach (var layer in layers)
        {
            switch (layer)
            {
                case ConvolutionSpec c:
                    convs.Add(nn.Conv2d(shape.Channels, c.Channels, c.KernelSize, stride: c.Stride, padding: c.Padding));
                    int? norm = null;
                    if (c.BatchNormalization)
                    {
                        norm = norms.Count;
                        norms.Add(nn.BatchNorm2d(c.Channels, eps: BatchNormEpsilon));
                    }
                    _steps.Add(new ConvolutionStep(convs.Count - 1, norm, shape));
                    shape = new ImageShape(c.Channels,
                        ConvNetLayer.OutputSide(shape.Height, c.KernelSize, c.Stride, c.Padding), ConvNetLayer.OutputSide(shape.Width, c.KernelSize, c.Stride, c.Padding));
                    _widest = Math.Max(_widest, shape.Size);
                    break;
                case MaxPoolingSpec p:
                    _steps.Add(new PoolingStep(p.KernelSize, p.Stride, shape));
                    shape = new ImageShape(shape.Channels,
                        ConvNetLayer.OutputSide(shape.Height, p.KernelSize, p.Stride, 0), ConvNetLayer.OutputSide(shape.Width, p.KernelSize, p.Stride, 0));
                    break;
                case DenseSpec d:
                    _widest = Math.Max(_widest, d.Units);
                    AddDense(units < 0 ? shape.Size : units, d.Units);
                    units = d.Units;
                    break;
                case DropoutSpec { Rate: > 0 } dropout:
                    _steps.Add(new DropoutStep(dropout.Rate));
                    break;
            }
        }
        AddDense(units < 0 ? shape.Size : units, outputSize);
        FeatureShape = shape;
        RegisterComponents();
    }

    /// <summary>The shape of the last feature layer's output (flattened into the first dense layer).</summary>
    public ImageShape FeatureShape { get; }

    private protected override long WidestOutput => _widest;

    private void AddDense(long inputs, long outputs)
    {
        dense.Add(nn.Linear(inputs, outputs));
        _steps.Add(new DenseStep(dense.Count - 1));
    }

    /// <summary>A module with the architecture of <paramref name="layers"/> and the weights of <paramref name="model"/> (warm start; checked by <see cref="ConvNetRecipe"/>).</summary>
    public static ConvNetModule From(ConvNetModelParameters model, IReadOnlyList<ConvNetLayerSpec> layers, Activation activation)
    {
        var module = new ConvNetModule(model.InputShape, layers, model.OutputSize, activation);
        using var noGrad = torch.no_grad();
        var convolutions = model.FeatureLayers.OfType<ConvolutionLayer>().ToArray();
        for (int i = 0; i < convolutions.Length; i++)
        {
            var source = convolutions[i];
            var conv = module.convs[i];
            Copy(conv.weight!, source.Weights);
            Copy(conv.bias!, source.Bias);
        }
        var normalized = convolutions.Where(c => c.BatchNormalization is not null).Select(c => c.BatchNormalization!).ToArray();
        for (int i = 0; i < normalized.Length; i++)
        {
            var norm = module.norms[i];
            Copy(norm.weight!, normalized[i].Scale);
            Copy(norm.bias!, normalized[i].Shift);
            Copy(norm.running_mean!, normalized[i].Mean);
            Copy(norm.running_var!, normalized[i].Variance);
        }
        for (int i = 0; i < model.DenseLayers.Count; i++)
        {
            Copy(module.dense[i].weight!, model.DenseLayers[i].Weights);
            Copy(module.dense[i].bias!, model.DenseLayers[i].Bias);
        }
        return module;
    }

    public override Tensor forward(Tensor input)
    {
        var x = input.reshape(input.shape[0], _image.Channels, _image.Height, _image.Width);
        bool flat = false;
        foreach (var step in _steps)
        {
            switch (step)
            {
                case ConvolutionStep c:
                    x = convs[c.Conv].forward(x);
                    if (c.Norm is int n)
                        x = norms[n].forward(x);
                    x = Activate(x);
                    break;
                case PoolingStep p:
                    x = nn.functional.max_pool2d(x, p.KernelSize, p.Stride);
                    break;
                case DropoutStep d:
                    if (training)
                        x = nn.functional.dropout(x, d.Rate, training: true);
                    break;
                case DenseStep d:
                    if (!flat)
                    {
                        x = x.flatten(1);
                        flat = true;
                    }
                    x = dense[d.Dense].forward(x);
                    if (d.Dense < dense.Count - 1)
                        x = Activate(x);
                    break;
            }
        }
        return x;
    }

    /// <summary>Draws the initial weights and biases of the convolutions and dense layers from <paramref name="generator"/>; batch normalization starts at scale 1, shift 0.</summary>
    public void Initialize(WeightInitialization initialization, Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var conv in convs)
        {
            long area = conv.weight!.shape[2] * conv.weight.shape[3];
            Initialize(conv.weight, conv.bias!, conv.weight.shape[1] * area, conv.weight.shape[0] * area, initialization, generator);
        }
        foreach (var layer in dense)
            Initialize(layer.weight!, layer.bias!, layer.in_features, layer.out_features, initialization, generator);
        foreach (var norm in norms)
        {
            nn.init.ones_(norm.weight!);
            nn.init.zeros_(norm.bias!);
        }
    }

    private static void Initialize(Tensor weight, Tensor bias, long fanIn, long fanOut, WeightInitialization initialization, Generator generator)
    {
        switch (initialization)
        {
            case WeightInitialization.GlorotUniform:
                double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
                nn.init.uniform_(weight, -limit, limit, generator);
                nn.init.zeros_(bias);
                break;
            case WeightInitialization.LibTorchDefault:
                // kaiming_uniform(a = sqrt(5)) reduces to ±1/sqrt(fanIn); so does the bias bound.
                double bound = 1.0 / Math.Sqrt(fanIn);
                nn.init.uniform_(weight, -bound, bound, generator);
                nn.init.uniform_(bias, -bound, bound, generator);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(initialization), initialization, null);
        }
    }

    public override NetworkModelParameters Export(NetworkTask task)
    {
        var features = new List<ConvNetLayer>();
        foreach (var step in _steps)
        {
            switch (step)
            {
                case ConvolutionStep c:
                    var conv = convs[c.Conv];
                    BatchNormalization? norm = null;
                    if (c.Norm is int n)
                    {
                        var bn = norms[n];
                        norm = new BatchNormalization(ToArray(bn.weight!), ToArray(bn.bias!), ToArray(bn.running_mean!), ToArray(bn.running_var!), (float)BatchNormEpsilon);
                    }
                    features.Add(new ConvolutionLayer(c.Input, (int)conv.weight!.shape[0], (int)conv.weight.shape[2], (int)conv.stride[0], (int)conv.padding![0],
                        ToArray(conv.weight), ToArray(conv.bias!), _activation, norm));
                    break;
                case PoolingStep p:
                    features.Add(new MaxPoolingLayer(p.Input, p.KernelSize, p.Stride));
                    break;
            }
        }
        var layers = new List<MlpLayer>(dense.Count);
        for (int i = 0; i < dense.Count; i++)
        {
            var layer = dense[i];
            layers.Add(new MlpLayer((int)layer.in_features, (int)layer.out_features,
                ToArray(layer.weight!), ToArray(layer.bias!), i == dense.Count - 1 ? null : _activation));
        }
        return new ConvNetModelParameters(features, layers, task);
    }

    public override string Describe()
    {
        var parts = new List<string>();
        var shape = _image;
        foreach (var step in _steps)
        {
            switch (step)
            {
                case ConvolutionStep c:
                    var conv = convs[c.Conv];
                    parts.Add(ConvolutionLayer.Describe((int)conv.weight!.shape[0], (int)conv.weight.shape[2], (int)conv.stride[0], (int)conv.padding![0], c.Norm is not null));
                    break;
                case PoolingStep p:
                    parts.Add(MaxPoolingLayer.Describe(p.KernelSize, p.Stride));
                    break;
                case DropoutStep d:
                    parts.Add(Invariant($"dropout {d.Rate}"));
                    break;
                case DenseStep d:
                    parts.Add(Invariant($"dense {dense[d.Dense].out_features}"));
                    break;
            }
        }
        return Invariant($"ConvNet {_image}: {string.Join(", ", parts)} ({_activation})");
    }

    private Tensor Activate(Tensor x) => _activation switch
    {
        Activation.Relu => nn.functional.relu(x),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        _ => throw new InvalidOperationException($"Unknown activation {_activation}."),
    };

    private static void Copy(Tensor target, ReadOnlyMemory<float> values)
    {
        using var source = torch.tensor(values.ToArray(), target.shape);
        target.copy_(source);
    }

    private static float[] ToArray(Tensor parameter)
    {
        using var scope = torch.NewDisposeScope();
        var cpu = parameter.detach().cpu().contiguous();
        return MemoryMarshal.Cast<byte, float>(cpu.bytes).ToArray();
    }
}
