using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Moves a module's parameters into one contiguous buffer, each parameter becoming a view of its
/// part (same objects, same names, same values). An optimizer can then update every parameter with
/// one call per operation instead of one per parameter: Adam's update of the 784-256-128-10
/// perceptron is 8 libtorch calls instead of 48.
/// </summary>
internal static class ParameterPacking
{
    /// <summary>
    /// Packs <paramref name="module"/>'s parameters, in <c>parameters()</c> order, and returns the
    /// 1-D buffer that holds them all (the caller disposes it; the parameters keep the memory alive
    /// as long as they live). Null when the parameters differ in type or device, or there are none.
    /// </summary>
    public static Tensor? Pack(nn.Module module)
    {
        var parameters = module.parameters().ToArray();
        if (parameters.Length == 0 || parameters.Any(p => p.dtype != parameters[0].dtype || p.device != parameters[0].device))
            return null;
        long total = parameters.Sum(p => p.numel());
        using var noGrad = torch.no_grad();
        var flat = torch.empty([total], parameters[0].dtype, parameters[0].device).DetachFromDisposeScope();
        long offset = 0;
        foreach (var parameter in parameters)
        {
            long count = parameter.numel();
            using var slice = flat.narrow(0, offset, count);
            using var part = slice.view(parameter.shape);
            part.copy_(parameter);
            parameter.set_(part);
            offset += count;
        }
        return flat;
    }

    /// <summary>Views of <paramref name="flat"/> shaped as <paramref name="parameters"/>, in order (a packed layout for optimizer state).</summary>
    public static Tensor[] Views(Tensor flat, IReadOnlyList<Tensor> parameters)
    {
        var views = new Tensor[parameters.Count];
        long offset = 0;
        for (int i = 0; i < views.Length; i++)
        {
            long count = parameters[i].numel();
            using var part = flat.narrow(0, offset, count);
            views[i] = part.view(parameters[i].shape).DetachFromDisposeScope();
            offset += count;
        }
        return views;
    }
}
