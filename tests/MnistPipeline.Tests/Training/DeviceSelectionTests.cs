using Microsoft.ML;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The device follows ML.NET's convention (MLContext.GpuDeviceId and FallbackToCpu) when the
/// options leave it unset. Only CPU builds of libtorch are available here, so what can be tested
/// is the fallback and the error when a GPU is demanded.
/// </summary>
[TestClass]
public sealed class DeviceSelectionTests
{
    private static MlpTrainer.Options Tiny() => new() { HiddenLayers = [4], Epochs = 1, Seed = 1, NumberOfThreads = 1 };

    [TestMethod]
    public void Fit_GpuAskedAndFallbackAllowed_TrainsOnTheCpuAndWarns()
    {
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = true };
        var warnings = new List<string>();
        var headers = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning)
                warnings.Add(e.RawMessage);
            if (e.RawMessage.StartsWith("Task:", StringComparison.Ordinal))
                headers.Add(e.RawMessage);
        };
        using var model = new MlpTrainer(ml, Tiny()).Fit(Blobs.Load(ml, 30));
        Assert.IsTrue(warnings.Any(w => w.Contains("GpuDeviceId is 0", StringComparison.Ordinal) && w.Contains("training on the CPU", StringComparison.Ordinal)), string.Join("\n", warnings));
        StringAssert.Contains(headers.Single(), "device cpu");
    }

    [TestMethod]
    public void Fit_GpuAskedWithoutFallback_ThrowsSayingHowToProceed()
    {
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = false };
        var error = Assert.Throws<InvalidOperationException>(() => new MlpTrainer(ml, Tiny()).Fit(Blobs.Load(ml, 30)));
        StringAssert.Contains(error.Message, "MLContext.GpuDeviceId is 0");
        StringAssert.Contains(error.Message, "FallbackToCpu = true");
    }

    [TestMethod]
    public void Fit_DeviceOptionSet_WinsOverTheContext()
    {
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = false };
        var options = Tiny();
        options.Device = "cpu";
        using var model = new MlpTrainer(ml, options).Fit(Blobs.Load(ml, 30));
        Assert.HasCount(1, model.TrainingHistory);
    }
}
