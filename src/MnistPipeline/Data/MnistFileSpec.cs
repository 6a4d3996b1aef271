namespace MnistPipeline.Data;

/// <summary>Which of the four files a <see cref="MnistFileSpec"/> describes.</summary>
internal enum MnistFileRole
{
    TrainImages,
    TrainLabels,
    TestImages,
    TestLabels,
}

/// <summary>
/// One MNIST file: its standard name and the size and SHA-256 of both forms (raw IDX and the
/// mirrors' gzip). Tests make specs for small stand-in files to exercise the fetch logic.
/// </summary>
internal sealed record MnistFileSpec(
    MnistFileRole Role,
    string Name,
    long Length,
    string Sha256,
    long? GzipLength,
    string? GzipSha256,
    string Description)
{
    /// <summary>The names looked for in a folder, in order: the standard name, its .gz, and Kaggle's dotted spelling.</summary>
    public IEnumerable<string> CandidateNames()
    {
        yield return Name;
        yield return Name + ".gz";
        // Kaggle's copy spells "train-images.idx3-ubyte"; accepted because people download it.
        int dash = Name.LastIndexOf("-idx", StringComparison.Ordinal);
        if (dash > 0)
            yield return string.Concat(Name.AsSpan(0, dash), ".", Name.AsSpan(dash + 1));
    }
}
