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
}
