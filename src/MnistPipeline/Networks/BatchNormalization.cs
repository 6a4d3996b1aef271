using System.Text.Json.Nodes;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Networks;

/// <summary>
/// Trained batch normalization of a convolution's output, in its inference form, read-only: per
/// channel <c>c</c>, <c>y = Scale[c] · (x − Mean[c]) / sqrt(Variance[c] + Epsilon) + Shift[c]</c>,
/// with the running mean and variance gathered during training.
/// </summary>
public sealed class BatchNormalization
{
    /// <summary>Creates the normalization from its values (copied).</summary>
    /// <param name="scale">Learned scale (γ), one per channel; all finite.</param>
    /// <param name="shift">Learned shift (β), one per channel; all finite.</param>
    /// <param name="mean">Running mean, one per channel; all finite.</param>
    /// <param name="variance">Running variance, one per channel; all finite and ≥ 0.</param>
    /// <param name="epsilon">Added to the variance; finite and &gt; 0. PyTorch's default is 1e-5.</param>
    /// <exception cref="ArgumentException">The arrays differ in length or are empty, or a value is out of range.</exception>
    public BatchNormalization(ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        if (scale.Length == 0)
            throw new ArgumentException("Batch normalization needs at least one channel.", nameof(scale));
        if (shift.Length != scale.Length || mean.Length != scale.Length || variance.Length != scale.Length)
            throw new ArgumentException(
                $"Batch normalization: scale, shift, mean and variance need one value per channel; found {scale.Length}, {shift.Length}, {mean.Length} and {variance.Length}.", nameof(shift));
        FiniteValues.Require(scale, "Batch normalization scale", nameof(scale));
        FiniteValues.Require(shift, "Batch normalization shift", nameof(shift));
        FiniteValues.Require(mean, "Batch normalization mean", nameof(mean));
        FiniteValues.Require(variance, "Batch normalization variance", nameof(variance));
        for (int i = 0; i < variance.Length; i++)
            if (variance[i] < 0)
                throw new ArgumentException($"Batch normalization variance: value {i} is {variance[i]}; a variance is ≥ 0.", nameof(variance));
        if (!float.IsFinite(epsilon) || epsilon <= 0)
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Batch normalization epsilon must be finite and > 0.");
        Scale = scale.ToArray();
        Shift = shift.ToArray();
        Mean = mean.ToArray();
        Variance = variance.ToArray();
        Epsilon = epsilon;
    }

    /// <summary>Channels normalized.</summary>
    public int Channels => Scale.Length;

    /// <summary>Learned scale (γ), one per channel.</summary>
    public ReadOnlyMemory<float> Scale { get; }

    /// <summary>Learned shift (β), one per channel.</summary>
    public ReadOnlyMemory<float> Shift { get; }

    /// <summary>Running mean, one per channel.</summary>
    public ReadOnlyMemory<float> Mean { get; }

    /// <summary>Running variance, one per channel.</summary>
    public ReadOnlyMemory<float> Variance { get; }

    /// <summary>Added to the variance before its square root.</summary>
    public float Epsilon { get; }

    /// <summary>The number of trainable parameters: scale and shift (the running statistics are not trained).</summary>
    public long ParameterCount => 2L * Channels;

    internal string WriteOnnx(OnnxGraphBuilder graph, string prefix, string input)
    {
        graph.Initializer($"{prefix}_bn_scale", [Channels], Scale.Span);
        graph.Initializer($"{prefix}_bn_shift", [Channels], Shift.Span);
        graph.Initializer($"{prefix}_bn_mean", [Channels], Mean.Span);
        graph.Initializer($"{prefix}_bn_var", [Channels], Variance.Span);
        string output = $"{prefix}_bn";
        graph.Node("BatchNormalization", [input, $"{prefix}_bn_scale", $"{prefix}_bn_shift", $"{prefix}_bn_mean", $"{prefix}_bn_var"], [output],
            ("epsilon", Epsilon));
        return output;
    }

    internal JsonObject Describe() => new() { ["epsilon"] = (double)Epsilon };

    internal static BatchNormalization Read(JsonObject described, int channels, OnnxModelReader reader, string prefix)
        => new(reader.Floats($"{prefix}_bn_scale", channels), reader.Floats($"{prefix}_bn_shift", channels),
            reader.Floats($"{prefix}_bn_mean", channels), reader.Floats($"{prefix}_bn_var", channels),
            (float)(double)described["epsilon"]!);
}
