using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using MnistPipeline.Bench.DataPass;
using MnistPipeline.Data;
using MnistPipeline.Transforms;

namespace MnistPipeline.Bench.Micro;

/// <summary>Full passes over the 60,000 training rows: the IDX cursor alone, then through the transforms.</summary>
[MemoryDiagnoser]
public class DataPathBenchmarks
{
    private IDataView _raw = null!;
    private IDataView _scaled = null!;
    private IDataView _flattened = null!;

    [GlobalSetup]
    public void Setup()
    {
        var files = MnistFiles.Ensure(MicroSettings.DataDirectory);
        var ml = new MLContext(seed: 1);
        _raw = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
        _scaled = ml.Transforms.ScalePixels("Pixels", "Image").Fit(_raw).Transform(_raw);
        _flattened = ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels")).Fit(_raw).Transform(_raw);
    }

    /// <summary>LoadMnist's cursor: Label and Image (bytes) of every row, file order.</summary>
    [Benchmark(Baseline = true)]
    public long IdxCursorPass() => DataPassCommand.Pass(_raw, random: null);

    /// <summary>The same rows through ScalePixels: Label and Pixels (float 28 × 28).</summary>
    [Benchmark]
    public long ScalePixelsPass() => DataPassCommand.FeaturesPass(_scaled, "Pixels");

    /// <summary>Through ScalePixels and FlattenImage: Label and Features (float 784), what MlpTrainer reads.</summary>
    [Benchmark]
    public long ScaleAndFlattenPass() => DataPassCommand.FeaturesPass(_flattened, "Features");
}
