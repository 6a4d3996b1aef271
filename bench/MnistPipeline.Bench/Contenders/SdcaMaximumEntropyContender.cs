using Microsoft.ML;
using Microsoft.ML.Trainers;

namespace MnistPipeline.Bench.Contenders;

/// <summary>ML.NET's SdcaMaximumEntropy with its defaults (thread count set to the bench's).</summary>
internal sealed class SdcaMaximumEntropyContender : MlNetPipelineContender
{
    public override string Name => "sdca-maxent";

    protected override string Description => "ML.NET SdcaMaximumEntropy, defaults, on ScalePixels → FlattenImage features";

    protected override bool CacheBeforeTrainer => true;

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, BenchSettings settings) =>
        ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
        {
            NumberOfThreads = settings.Threads,
        });
}
