using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MnistPipeline.Scoring;

/// <summary>
/// Part of the saved model format (contract <c>MnistPipeline.ClassIndex.v2</c>): turns the
/// one-slot arg-max vector of a classifier's ONNX graph into a scalar (ML.NET's OnnxTransformer
/// cannot output scalars). ML.NET finds it by its contract name when a model is loaded; not
/// meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ModelFormat.ClassIndexContract)]
public sealed class ClassIndexMapping : CustomMappingFactory<ClassIndexMapping.Input, ClassIndexMapping.Output>
{
    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => Map;

    internal static void Map(Input input, Output output) => output.MnistPipelineClassIndex = input.MnistPipelineClassIndexVector[0];

    /// <summary>The input row: the ONNX arg-max output.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Input
    {
        /// <summary>0-based class index, as a one-slot vector.</summary>
        [VectorType(1)]
        public long[] MnistPipelineClassIndexVector { get; set; } = [0];
    }

    /// <summary>The output row.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Output
    {
        /// <summary>0-based class index.</summary>
        public long MnistPipelineClassIndex { get; set; }
    }
}
