namespace MnistPipeline.Scoring;

/// <summary>
/// ONNX settings of the graphs written here, and the one name of saved-model format 1 that
/// this assembly still answers to. The names of the current format are in
/// <c>MnistPipeline.Scoring.ModelFormat</c> (assembly MnistPipeline.Scoring).
/// </summary>
internal static class MlpModelFormat
{
    /// <summary>ONNX opset of the graph (Gemm, Relu, Tanh, Sigmoid, Softmax, ArgMax, Reshape).</summary>
    public const long OnnxOpset = 13;

    /// <summary>ONNX IR version matching opset 13.</summary>
    public const long OnnxIrVersion = 7;

    /// <summary>
    /// Contract name of format 1's class-index mapping. Models saved by the first builds name it
    /// (and this assembly), so <see cref="MlpClassIndexMapping"/> stays here for them to load.
    /// </summary>
    public const string LegacyClassIndexContract = "MnistPipeline.MlpClassIndex.v1";
}
