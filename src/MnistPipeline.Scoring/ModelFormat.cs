namespace MnistPipeline.Scoring;

/// <summary>
/// Names that are part of the saved model format. A model .zip records them; changing one
/// breaks loading of models saved earlier, so a change needs a new version, a loader for the
/// old one, and a test that loads a model saved by the earlier version.
/// </summary>
/// <remarks>
/// Format 1 (the first, unreleased builds) named <c>MnistPipeline.MlpClassIndex.v1</c>, whose
/// factory lives in the MnistPipeline assembly; format 2 moved the mappings here, so that an
/// application that only scores needs this assembly and no TorchSharp.
/// </remarks>
internal static class ModelFormat
{
    /// <summary>Format version written into the ONNX metadata of every trained network.</summary>
    public const string Version = "2";

    /// <summary>ONNX metadata key carrying <see cref="Version"/>.</summary>
    public const string MetadataVersionKey = "mnistpipeline.format";

    /// <summary>Contract name of the <c>CustomMapping</c> that turns the one-slot arg-max vector into a scalar.</summary>
    public const string ClassIndexContract = "MnistPipeline.ClassIndex.v2";

    /// <summary>ONNX output: the arg-max of the scores, a one-slot Int64 vector (0-based class index).</summary>
    public const string ClassIndexVectorColumn = "MnistPipelineClassIndexVector";

    /// <summary>The arg-max as an Int64 scalar.</summary>
    public const string ClassIndexColumn = "MnistPipelineClassIndex";

    /// <summary>The label value (the label's KeyValues entry) of the predicted class.</summary>
    public const string PredictedValueColumn = "MnistPipelinePredictedValue";

    /// <summary>Contract name of the <c>CustomMapping</c> that turns a binary classifier's one-slot outputs into ML.NET's scalar columns.</summary>
    public const string BinaryOutputsContract = "MnistPipeline.BinaryOutputs.v2";

    /// <summary>Contract name of the <c>CustomMapping</c> that turns a regressor's one-slot output into a scalar.</summary>
    public const string RegressionOutputContract = "MnistPipeline.RegressionOutput.v2";

    /// <summary>ONNX output of binary classifiers and regressors: the score as a one-slot Single vector.</summary>
    public const string ScoreVectorColumn = "MnistPipelineScoreVector";

    /// <summary>ONNX output of binary classifiers: the probability as a one-slot Single vector.</summary>
    public const string ProbabilityVectorColumn = "MnistPipelineProbabilityVector";

    /// <summary>The score as a scalar, before it is copied to the user's column name.</summary>
    public const string ScoreColumn = "MnistPipelineScore";

    /// <summary>The probability as a scalar, before it is copied to the user's column name.</summary>
    public const string ProbabilityColumn = "MnistPipelineProbability";

    /// <summary>The binary prediction (score &gt; 0), before it is copied to the user's column name.</summary>
    public const string PredictedLabelColumn = "MnistPipelinePredictedLabel";

    /// <summary>ONNX metadata key of the JSON description of the network (layers, task, head).</summary>
    public const string MetadataNetworkKey = "mnistpipeline.network";

    /// <summary>ONNX metadata key that format 1 wrote (its value was "1").</summary>
    public const string LegacyMetadataVersionKey = "mnistpipeline.mlp.format";
}
