using Microsoft.ML;
using Microsoft.ML.Trainers;

namespace MnistPipeline.Bench.Contenders;

/// <summary>ML.NET's LbfgsMaximumEntropy with its defaults (thread count set to the bench's).</summary>
internal sealed class LbfgsMaximumEntropyContender : MlNetPipelineContender
{
    public override string Name => "lbfgs-maxent";

    protected override string Description => "ML.NET LbfgsMaximumEntropy, defaults, on ScalePixels → FlattenImage features";

    protected override bool CacheBeforeTrainer => true;

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, BenchSettings settings) =>
        ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
        {
            NumberOfThreads = settings.Threads,
        });
}
