namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// Trained weights as a flat float32 file (layer by layer: weights row-major [out, in], then the
/// bias), so that the parent of <c>compare</c> can measure how far two contenders of the same
/// recipe ended apart (MlpTrainer against the plain loop).
/// </summary>
internal static class WeightsFile
{
    /// <summary>Writes the arrays to <c>DIR/NAME.weights</c> when <paramref name="directory"/> is set; returns the path, or null.</summary>
    public static string? Write(string? directory, string contender, IEnumerable<ReadOnlyMemory<float>> arrays)
    {
        if (directory is null)
            return null;
        string path = Path.Combine(directory, contender + ".weights");
        using var stream = File.Create(path);
        foreach (var array in arrays)
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.Span));
        return path;
    }

    /// <summary>The largest absolute difference between two weight files of the same layout; null when a file is missing or the sizes differ.</summary>
    public static double? MaxDifference(string? first, string? second)
    {
        if (first is null || second is null || !File.Exists(first) || !File.Exists(second))
            return null;
        var a = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(first));
        var b = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(second));
        if (a.Length != b.Length || a.Length == 0)
            return null;
        double worst = 0;
        for (int i = 0; i < a.Length; i++)
            worst = Math.Max(worst, Math.Abs((double)a[i] - b[i]));
        return worst;
    }
}
