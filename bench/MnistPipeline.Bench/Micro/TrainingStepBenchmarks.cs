using BenchmarkDotNet.Attributes;
using MnistPipeline.Bench.Contenders;
using MnistPipeline.Bench.Data;
using MnistPipeline.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Bench.Micro;

/// <summary>
/// One training step of the 784-256-128-10 MLP: the plain TorchSharp step (<see cref="PlainMlpLoop.Step"/>),
/// the same sequence of libtorch calls as MlpTrainer's autograd path (MlpTrainer's steps are
/// internal to the library and not reachable from here; compare's epoch times measure its fused
/// step). tutorial: batch 32, SGD, squared error, narrow; recommended: batch 128, Adam,
/// cross-entropy, index_select of a permutation.
/// </summary>
public class TrainingStepBenchmarks
{
    private TrainingTensors _data = null!;
    private PlainMlpLoop _loop = null!;
    private Tensor? _permutation;
    private Generator? _generator;
    private int _batch;
    private long _start;

    [Params("tutorial", "recommended")]
    public string Recipe { get; set; } = "tutorial";

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(MicroSettings.Threads);
        var files = MnistFiles.Ensure(MicroSettings.DataDirectory);
        _data = TrainingTensors.From(IdxArrays.Read(files.TrainImages, files.TrainLabels));
        var recipe = Recipe == "tutorial" ? PlainMlpRecipe.Tutorial : PlainMlpRecipe.Recommended;
        _loop = new PlainMlpLoop(recipe, seed: 1);
        _batch = recipe.BatchSize;
        _generator = new Generator(1);
        _permutation = recipe.Shuffle ? torch.randperm(_data.Count, generator: _generator) : null;
    }

    [Benchmark]
    public float TrainingStep()
    {
        var (loss, _) = _loop.Step(_data.Features, _data.Labels, _permutation, _start, _batch);
        _start += _batch;
        if (_start + _batch > _data.Count)
            _start = 0;
        return loss;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _permutation?.Dispose();
        _generator?.Dispose();
        _loop.Dispose();
        _data.Dispose();
    }
}
