namespace MnistPipeline.Sample.Serve;

/// <summary>How <see cref="DigitServer"/> serves a model.</summary>
/// <param name="ModelPath">The model file; replaced versions are picked up while serving.</param>
/// <param name="Urls">Where to listen, ';'-separated as ASP.NET Core's <c>--urls</c>; <c>http://127.0.0.1:0</c> picks a free port.</param>
internal sealed record ServeOptions(string ModelPath, string Urls)
{
    public const string DefaultUrls = "http://localhost:5000";

    /// <summary>Largest request body; larger ones are refused with 413 before they are read in full. Default 8 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 8L << 20;

    /// <summary>Largest image, in pixels, checked from its header before decoding. Default 16 million (a 4,000 x 4,000 photo).</summary>
    public long MaxImagePixels { get; init; } = 16_000_000;

    /// <summary>PredictionEngines kept per model version. Default: twice the core count.</summary>
    public int PoolSize { get; init; } = 2 * Environment.ProcessorCount;

    /// <summary>How often the model file's size and time are checked besides the file watcher. Default 2 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
}
