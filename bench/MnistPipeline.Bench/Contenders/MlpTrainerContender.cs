using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// MlpTrainer in the ML.NET pipeline (see <see cref="NetworkTrainerContender{TOptions}"/>); it
/// also reports its batch size (the recipe-products row it is measured against) and its trained
/// weights (compared with the plain loop's of the same recipe).
/// </summary>
internal abstract class MlpTrainerContender() : NetworkTrainerContender<MlpTrainer.Options>("MnistPipeline.Mlp")
{
    protected override int? BatchSize => CreateOptions().BatchSize;

    protected override IEnumerable<ReadOnlyMemory<float>>? TrainedWeights(ITransformer model)
        => ((TransformerChain<ITransformer>)model).LastTransformer is MlpTransformer mlp
            ? mlp.Model.Layers.SelectMany(l => new[] { l.Weights, l.Bias })
            : null;

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, MlpTrainer.Options options) => new MlpTrainer(ml, options);
}
