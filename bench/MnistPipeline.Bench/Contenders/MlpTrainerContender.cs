using Microsoft.ML;
using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>MlpTrainer in the ML.NET pipeline (see <see cref="NetworkTrainerContender{TOptions}"/>).</summary>
internal abstract class MlpTrainerContender() : NetworkTrainerContender<MlpTrainer.Options>("MnistPipeline.Mlp")
{
    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, MlpTrainer.Options options) => new MlpTrainer(ml, options);
}
