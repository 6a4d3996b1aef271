using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MnistPipeline.Scoring;

/// <summary>
/// Part of the saved model format (contract <c>MnistPipeline.RegressionOutput.v2</c>): turns a
/// regressor's one-slot ONNX output into the scalar <c>Score</c> of ML.NET's regressors. ML.NET
/// finds it by its contract name when a model is loaded; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ModelFormat.RegressionOutputContract)]
public sealed class RegressionOutputMapping : CustomMappingFactory<RegressionOutputMapping.Input, RegressionOutputMapping.Output>
{
    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => Map;

    internal static void Map(Input input, Output output) => output.MnistPipelineScore = input.MnistPipelineScoreVector[0];

    /// <summary>The input row: the ONNX output.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Input
    {
        /// <summary>The prediction, as a one-slot vector.</summary>
        [VectorType(1)]
        public float[] MnistPipelineScoreVector { get; set; } = [0];
    }

    /// <summary>The output row.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Output
    {
        /// <summary>The prediction.</summary>
        public float MnistPipelineScore { get; set; }
    }
}
