using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;

namespace MnistPipeline.Bench.Contenders;

/// <summary>ML.NET's LightGbm multiclass trainer with its defaults (thread count set to the bench's).</summary>
internal sealed class LightGbmContender : MlNetPipelineContender
{
    public override string Name => "lightgbm";

    protected override string Description => "ML.NET LightGbm (multiclass), defaults, on ScalePixels → FlattenImage features";

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, BenchSettings settings) =>
        ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
        {
            NumberOfThreads = settings.Threads,
        });
}
