using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Picks the torch device of a Fit the way ML.NET's own TorchSharp trainers do: an explicit
/// device option wins; otherwise <see cref="MLContext.GpuDeviceId"/> asks for that CUDA device,
/// and <see cref="MLContext.FallbackToCpu"/> says whether a missing GPU means the CPU or an error.
/// </summary>
internal static class DeviceSelection
{
    public static Device Choose(MLContext mlContext, string? requested, IChannel channel)
    {
        if (requested is not null)
            return torch.device(requested);
        if (mlContext.GpuDeviceId is not int id)
            return torch.CPU;
        bool available = torch.cuda.is_available();
        int count = available ? torch.cuda.device_count() : 0;
        if (id >= 0 && id < count)
            return torch.device(DeviceType.CUDA, id);
        string why = available
            ? $"this machine has {count} CUDA device(s)"
            : "no CUDA device is available (the libtorch in this process is a CPU build, e.g. TorchSharp-cpu, or the machine has no GPU)";
        if (mlContext.FallbackToCpu)
        {
            channel.Warning(MessageSensitivity.None, $"MLContext.GpuDeviceId is {id}, but {why}: training on the CPU (MLContext.FallbackToCpu is true).");
            return torch.CPU;
        }
        throw new InvalidOperationException(
            $"MLContext.GpuDeviceId is {id}, but {why}. Set MLContext.FallbackToCpu = true to train on the CPU instead, " +
            "or reference a CUDA build of libtorch (e.g. TorchSharp-cuda-linux) in the application.");
    }
}
