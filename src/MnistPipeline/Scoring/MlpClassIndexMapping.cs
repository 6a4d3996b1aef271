using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MnistPipeline.Scoring;

/// <summary>
/// Part of saved-model format 1 (contract <c>MnistPipeline.MlpClassIndex.v1</c>): turns the
/// one-slot arg-max vector of the ONNX graph into a scalar. Models saved by the first builds name
/// it (and this assembly), and ML.NET finds it by that contract name when they are loaded; new
/// models use <see cref="ClassIndexMapping"/> (format 2, assembly MnistPipeline.Scoring). Not
/// meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
public sealed class MlpClassIndexMapping : CustomMappingFactory<MlpClassIndexMapping.Input, MlpClassIndexMapping.Output>
{
    internal const string ContractName = "MnistPipeline.MlpClassIndex.v1";

    /// <inheritdoc />
    public override Action<Input, Output> GetMapping() => Map;

    internal static void Map(Input input, Output output) => output.MlpClassIndex = input.MlpClassIndexVector[0];

    /// <summary>The input row: the ONNX arg-max output.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Input
    {
        /// <summary>0-based class index, as a one-slot vector.</summary>
        [VectorType(1)]
        public long[] MlpClassIndexVector { get; set; } = [0];
    }

    /// <summary>The output row.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public sealed class Output
    {
        /// <summary>0-based class index.</summary>
        public long MlpClassIndex { get; set; }
    }
}
