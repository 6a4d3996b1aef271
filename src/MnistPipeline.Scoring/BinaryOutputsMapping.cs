using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MnistPipeline.Scoring;

/// <summary>
/// Part of the saved model format (contract <c>MnistPipeline.BinaryOutputs.v2</c>): turns a
/// binary classifier's one-slot ONNX outputs into the scalar columns of ML.NET's binary
/// classifiers (score, probability, and the prediction <c>score &gt; 0</c>). ML.NET finds it by its
/// contract name when a model is loaded; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ModelFormat.BinaryOutputsContract)]
public sealed class BinaryOutputsMapping : CustomMappingFactory<BinaryOutputsMapping.Input, BinaryOutputsMapping.Output>
{
    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => Map;

    internal static void Map(Input input, Output output)
    {
        output.MnistPipelineScore = input.MnistPipelineScoreVector[0];
        output.MnistPipelineProbability = input.MnistPipelineProbabilityVector[0];
        output.MnistPipelinePredictedLabel = input.MnistPipelineScoreVector[0] > 0;
    }

    /// <summary>The input row: the ONNX outputs.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Input
    {
        /// <summary>The logit, as a one-slot vector.</summary>
        [VectorType(1)]
        public float[] MnistPipelineScoreVector { get; set; } = [0];

        /// <summary>The probability of the positive class, as a one-slot vector.</summary>
        [VectorType(1)]
        public float[] MnistPipelineProbabilityVector { get; set; } = [0];
    }

    /// <summary>The output row.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Output
    {
        /// <summary>The logit.</summary>
        public float MnistPipelineScore { get; set; }

        /// <summary>The probability of the positive class.</summary>
        public float MnistPipelineProbability { get; set; }

        /// <summary>The prediction: logit &gt; 0.</summary>
        public bool MnistPipelinePredictedLabel { get; set; }
    }
}
