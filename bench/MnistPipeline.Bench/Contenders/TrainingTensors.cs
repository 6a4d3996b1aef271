using MnistPipeline.Bench.Data;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Contenders;

/// <summary>MNIST as in-memory tensors, without ML.NET: features x / 255f [n, 784], labels int64 [n].</summary>
internal sealed class TrainingTensors : IDisposable
{
    private TrainingTensors(Tensor features, Tensor labels)
    {
        Features = features;
        Labels = labels;
    }

    public Tensor Features { get; }
    public Tensor Labels { get; }
    public long Count => Labels.shape[0];

    /// <summary>Scales by float32 division by 255, which equals the ScalePixels transform for every byte value.</summary>
    public static TrainingTensors From(IdxArrays data)
    {
        var labels = new long[data.Count];
        for (int i = 0; i < labels.Length; i++)
            labels[i] = data.Labels[i];
        using var bytes = tensor(data.Pixels, [data.Count, data.PixelsPerImage]);
        return new TrainingTensors(bytes.to(ScalarType.Float32).div_(255f), tensor(labels, [data.Count]));
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
