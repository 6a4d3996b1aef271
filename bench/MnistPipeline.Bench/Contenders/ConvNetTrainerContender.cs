using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Transforms;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// ConvNetTrainer in the ML.NET pipeline (see <see cref="NetworkTrainerContender{TOptions}"/>), on
/// <c>ScalePixels("Features", "Image")</c>: the 28 × 28 column feeds the network directly (no
/// flattening; the image shape comes from the column).
/// </summary>
internal abstract class ConvNetTrainerContender() : NetworkTrainerContender<ConvNetTrainer.Options>("MnistPipeline.ConvNet")
{
    protected override IEstimator<ITransformer> Features(MLContext ml) => ml.Transforms.ScalePixels("Features", "Image");

    protected override IEstimator<ITransformer> CreateTrainer(MLContext ml, ConvNetTrainer.Options options) => new ConvNetTrainer(ml, options);

    protected override double? TrainingFlopsPerSample(ITransformer model)
        => model is TransformerChain<ITransformer> { LastTransformer: ConvNetTransformer convnet } ? ConvNetFlops.PerTrainingSample(convnet.Model) : null;
}
