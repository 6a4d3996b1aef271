namespace MnistPipeline.Scoring;

/// <summary>
/// Names that are part of the saved model format. A model .zip records them; changing one
/// breaks loading of models saved earlier, so a change needs a new version (v2 …), a loader
/// for the old one, and a test that loads a model saved by the earlier version.
/// </summary>
internal static class MlpModelFormat
{
    /// <summary>Format version written into the ONNX metadata.</summary>
    public const string Version = "1";

    /// <summary>ONNX opset of the graph (Gemm, Relu, Tanh, Sigmoid, Softmax, ArgMax, Reshape).</summary>
    public const long OnnxOpset = 13;

    /// <summary>ONNX IR version matching opset 13.</summary>
    public const long OnnxIrVersion = 7;

    /// <summary>Contract name of the <c>CustomMapping</c> that turns the arg-max vector into a scalar.</summary>
    public const string ClassIndexContract = "MnistPipeline.MlpClassIndex.v1";

    /// <summary>ONNX output: the arg-max of the scores, a one-slot Int64 vector (0-based class index).</summary>
    public const string ClassIndexVectorColumn = "MlpClassIndexVector";

    /// <summary>The arg-max as an Int64 scalar.</summary>
    public const string ClassIndexColumn = "MlpClassIndex";

    /// <summary>The label value (the label's KeyValues entry) of the predicted class.</summary>
    public const string PredictedValueColumn = "MlpPredictedValue";

    /// <summary>ONNX metadata key carrying <see cref="Version"/>.</summary>
    public const string MetadataVersionKey = "mnistpipeline.mlp.format";
}
