using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;
using MnistPipeline.Scoring;

namespace MnistPipeline.Networks;

/// <summary>
/// A trained network as a value: its layers and weights, what its outputs mean
/// (<see cref="Task"/>) and how they become scores (temperature, target scale). Trainers produce
/// it, transformers score with it (<c>transformer.Model</c>), and warm start continues from it.
/// </summary>
/// <remarks>
/// Scoring happens through the ONNX graph of the network (<see cref="ToOnnx(string)"/>), so the
/// same graph runs in ML.NET's OnnxTransformer, in a saved model .zip and in an exported file.
/// <see cref="Load(string)"/> reads the parameters back from either.
/// </remarks>
public abstract class NetworkModelParameters
{
    private static readonly Dictionary<string, Func<JsonObject, OnnxModelReader, NetworkModelParameters>> Readers = new(StringComparer.Ordinal)
    {
        [MlpModelParameters.Kind] = MlpModelParameters.Read,
        [ConvNetModelParameters.Kind] = ConvNetModelParameters.Read,
    };

    /// <summary>Checks and keeps the head of the network; subclasses check their layers.</summary>
    private protected NetworkModelParameters(NetworkTask task, int inputSize, int outputSize, float temperature, float targetScale, float targetOffset)
    {
        if (!Enum.IsDefined(task))
            throw new ArgumentOutOfRangeException(nameof(task), task, "Unknown network task.");
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        if (task == NetworkTask.MulticlassClassification ? outputSize < 2 : outputSize != 1)
            throw new ArgumentException(task == NetworkTask.MulticlassClassification
                ? $"A multiclass network needs 2 or more outputs (one per class); this one has {outputSize}."
                : $"A {task} network has exactly 1 output; this one has {outputSize}.", nameof(outputSize));
        if (!float.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be finite and > 0.");
        if (!float.IsFinite(targetScale) || targetScale <= 0)
            throw new ArgumentOutOfRangeException(nameof(targetScale), targetScale, "The target scale must be finite and > 0.");
        if (!float.IsFinite(targetOffset))
            throw new ArgumentOutOfRangeException(nameof(targetOffset), targetOffset, "The target offset must be finite.");
        if (task != NetworkTask.Regression && (targetScale != 1 || targetOffset != 0))
            throw new ArgumentException("Only a regression network has a target scale and offset (1 and 0 otherwise).", nameof(targetScale));
        Task = task;
        InputSize = inputSize;
        OutputSize = outputSize;
        Temperature = temperature;
        TargetScale = targetScale;
        TargetOffset = targetOffset;
    }

    /// <summary>What the outputs mean: classes, a binary logit, or a regression value.</summary>
    public NetworkTask Task { get; }

    /// <summary>Length of the feature vector the network reads.</summary>
    public int InputSize { get; }

    /// <summary>Number of raw outputs: the class count (multiclass) or 1.</summary>
    public int OutputSize { get; }

    /// <summary>
    /// Calibration temperature of a classifier: the logits are divided by it before the softmax
    /// (multiclass) or sigmoid (binary probability). 1 means uncalibrated.
    /// </summary>
    public float Temperature { get; }

    /// <summary>Regression: the prediction is <c>output × TargetScale + TargetOffset</c> (the network learns standardized targets). 1 otherwise.</summary>
    public float TargetScale { get; }

    /// <summary>Regression: see <see cref="TargetScale"/>. 0 otherwise.</summary>
    public float TargetOffset { get; }

    /// <summary>The number of trainable parameters.</summary>
    public abstract long ParameterCount { get; }

    /// <summary>
    /// The network as an ONNX model (opset 13) that scores one row: input <paramref name="featureColumnName"/>
    /// (a vector of <see cref="InputSize"/> floats); outputs <c>Score</c> (multiclass: the
    /// probabilities [k]; binary: the logit [1]; regression: the prediction [1]), plus
    /// <c>PredictedClass</c> (multiclass: the 0-based arg-max, Int64 [1]) or <c>Probability</c>
    /// (binary [1]).
    /// </summary>
    /// <param name="featureColumnName">The name of the graph's input. Default "Features".</param>
    public byte[] ToOnnx(string featureColumnName = "Features")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(featureColumnName);
        return BuildOnnx(OnnxOutputNames.ForExport(featureColumnName));
    }

    /// <summary>Writes <see cref="ToOnnx(string)"/> to a file, replacing it atomically (a failure leaves an existing file unchanged).</summary>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="featureColumnName">The name of the graph's input. Default "Features".</param>
    public void ExportOnnx(string path, string featureColumnName = "Features")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] onnx = ToOnnx(featureColumnName);
        ModelFileExtensions.SaveAtomically(path, stream => stream.Write(onnx));
    }

    /// <summary>
    /// Reads the parameters of a trained network back from a model .zip saved with
    /// <c>mlContext.Model.Save</c> (or <c>SaveAtomically</c>), or from an .onnx file written by
    /// <see cref="ExportOnnx"/>. Use it to continue training a saved model (warm start).
    /// </summary>
    /// <param name="path">A model .zip or .onnx file.</param>
    /// <returns>The network's parameters: an <see cref="MlpModelParameters"/>, a <see cref="ConvNetModelParameters"/>, or another subclass for other network kinds.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file holds no network trained by this library, or more than one, or is damaged.</exception>
    public static NetworkModelParameters Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K' ? FromModelZip(bytes) : FromOnnx(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads the parameters from ONNX bytes written by <see cref="ToOnnx(string)"/> (or by a trainer's scoring chain).</summary>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX graph of a network trained by this library.</exception>
    public static NetworkModelParameters FromOnnx(ReadOnlySpan<byte> onnx)
    {
        var reader = OnnxModelReader.Parse(onnx);
        if (!reader.Metadata.TryGetValue(ModelFormat.MetadataNetworkKey, out string? description))
        {
            if (reader.Metadata.ContainsKey(ModelFormat.LegacyMetadataVersionKey))
                throw new InvalidDataException(
                    "the network was saved in format 1 (the first builds), which does not describe its layers; load it for scoring, or train it again to continue training.");
            throw new InvalidDataException("the ONNX graph was not written by MnistPipeline (no network description in its metadata).");
        }
        JsonObject json;
        try
        {
            json = JsonNode.Parse(description) as JsonObject ?? throw new InvalidDataException("the network description is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the network description is not valid JSON ({e.Message}).", e);
        }
        string kind = (string?)json["kind"] ?? "";
        if (!Readers.TryGetValue(kind, out var read))
            throw new InvalidDataException($"the network kind '{kind}' is not known to this version of MnistPipeline (known: {string.Join(", ", Readers.Keys)}).");
        try
        {
            return read(json, reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"the network description does not fit its weights ({e.Message}).", e);
        }
    }

    private static NetworkModelParameters FromModelZip(byte[] zip)
    {
        using var stream = new MemoryStream(zip, writable: false);
        var found = new List<NetworkModelParameters>();
        bool sawLegacy = false;
        foreach (byte[] onnx in OnnxModelReader.OnnxGraphsInModelFile(stream))
        {
            var reader = OnnxModelReader.Parse(onnx);
            if (reader.Metadata.ContainsKey(ModelFormat.MetadataNetworkKey))
                found.Add(FromOnnx(onnx));
            else
                sawLegacy |= reader.Metadata.ContainsKey(ModelFormat.LegacyMetadataVersionKey);
        }
        return found.Count switch
        {
            1 => found[0],
            0 when sawLegacy => throw new InvalidDataException(
                "the model was saved in format 1 (the first builds), which does not describe its layers; it loads for scoring, but train it again to continue training."),
            0 => throw new InvalidDataException("the model holds no network trained by MnistPipeline."),
            _ => throw new InvalidDataException($"the model holds {found.Count} networks trained by MnistPipeline; read the one you want from its exported .onnx file."),
        };
    }

    /// <summary>The name of the network kind in the saved description ("mlp", …).</summary>
    internal abstract string KindName { get; }

    /// <summary>Writes the layers into <paramref name="graph"/>, reading the row vector <paramref name="input"/>; returns the name of the [1, <see cref="OutputSize"/>] output.</summary>
    internal abstract string WriteLayers(OnnxGraphBuilder graph, string input);

    /// <summary>The layers as JSON, saved in the ONNX metadata so that <see cref="Load"/> can rebuild them.</summary>
    internal abstract JsonArray DescribeLayers();

    /// <summary>The same network with another head (temperature, target scale and offset).</summary>
    internal abstract NetworkModelParameters WithHead(float temperature, float targetScale, float targetOffset);

    /// <summary>
    /// The network that gives, for raw features x, what this one gives for <c>(x − mean) / scale</c>:
    /// the standardization folded into the first layer (network kinds that cannot fold it throw).
    /// </summary>
    internal virtual NetworkModelParameters WithInputStandardization(ReadOnlySpan<float> mean, ReadOnlySpan<float> scale)
        => throw new NotSupportedException($"A network of kind '{KindName}' cannot fold a feature standardization into its first layer.");

    /// <summary>
    /// The whole scoring graph: layers, then the head of <see cref="Task"/>, then the outputs
    /// named by <paramref name="names"/>; the network description goes into the metadata.
    /// </summary>
    internal byte[] BuildOnnx(OnnxOutputNames names)
    {
        var graph = new OnnxGraphBuilder();
        graph.Input(names.Features, OnnxGraphBuilder.FloatType, InputSize);
        string output = WriteLayers(graph, names.Features);
        WriteHead(graph, output, names);
        graph.Metadata(ModelFormat.MetadataVersionKey, ModelFormat.Version);
        graph.Metadata(ModelFormat.MetadataNetworkKey, Describe().ToJsonString());
        return graph.Build(KindName, ProducerVersion);
    }

    /// <summary>Reads the head (task, temperature, target scale) saved by <see cref="BuildOnnx"/>.</summary>
    private protected static (NetworkTask Task, float Temperature, float Scale, float Offset) ReadHead(JsonObject json, OnnxModelReader reader)
    {
        var task = Enum.Parse<NetworkTask>((string?)json["task"] ?? throw new InvalidDataException("the network description has no task."));
        return task == NetworkTask.Regression
            ? (task, 1, reader.Floats(TargetScaleName, 1)[0], reader.Floats(TargetOffsetName, 1)[0])
            : (task, reader.Floats(TemperatureName, 1)[0], 1, 0);
    }

    private JsonObject Describe() => new()
    {
        ["kind"] = KindName,
        ["task"] = Task.ToString(),
        ["inputSize"] = InputSize,
        ["outputSize"] = OutputSize,
        ["layers"] = DescribeLayers(),
    };

    // Initializers of the head. A graph holds only those its task uses: ONNX Runtime warns on the
    // console about unused initializers every time it loads a graph.
    private const string TemperatureName = "head_temperature";
    private const string TargetScaleName = "head_target_scale";
    private const string TargetOffsetName = "head_target_offset";

    private void WriteHead(OnnxGraphBuilder graph, string output, OnnxOutputNames names)
    {
        if (Task == NetworkTask.Regression)
        {
            graph.Initializer(TargetScaleName, [1], [TargetScale]);
            graph.Initializer(TargetOffsetName, [1], [TargetOffset]);
        }
        else
        {
            graph.Initializer(TemperatureName, [1], [Temperature]);
        }
        graph.Initializer("head_shape_flat", [OutputSize]);
        switch (Task)
        {
            case NetworkTask.MulticlassClassification:
                graph.Node("Div", [output, TemperatureName], ["head_scaled"]);
                graph.Node("Softmax", ["head_scaled"], ["head_probabilities"], ("axis", 1L));
                graph.Node("Reshape", ["head_probabilities", "head_shape_flat"], [names.Score]);
                graph.Node("ArgMax", ["head_probabilities"], [names.ClassIndex], ("axis", 1L), ("keepdims", 0L));
                graph.Output(names.Score, OnnxGraphBuilder.FloatType, OutputSize);
                graph.Output(names.ClassIndex, OnnxGraphBuilder.Int64Type, 1);
                break;
            case NetworkTask.BinaryClassification:
                graph.Node("Reshape", [output, "head_shape_flat"], [names.Score]);
                graph.Node("Div", [output, TemperatureName], ["head_scaled"]);
                graph.Node("Sigmoid", ["head_scaled"], ["head_probability"]);
                graph.Node("Reshape", ["head_probability", "head_shape_flat"], [names.Probability]);
                graph.Output(names.Score, OnnxGraphBuilder.FloatType, 1);
                graph.Output(names.Probability, OnnxGraphBuilder.FloatType, 1);
                break;
            case NetworkTask.Regression:
                graph.Node("Mul", [output, TargetScaleName], ["head_scaled"]);
                graph.Node("Add", ["head_scaled", TargetOffsetName], ["head_prediction"]);
                graph.Node("Reshape", ["head_prediction", "head_shape_flat"], [names.Score]);
                graph.Output(names.Score, OnnxGraphBuilder.FloatType, 1);
                break;
            default:
                throw new InvalidOperationException($"Unknown task {Task}.");
        }
    }

    private static string ProducerVersion =>
        typeof(NetworkModelParameters).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
}
