using System.Collections.Concurrent;

namespace MnistPipeline.Scoring;

/// <summary>
/// An ONNX graph written to a temporary file for ONNX Runtime (which reads models from files),
/// in <c>MLContext.TempFilePath</c>. Disposing deletes it; files never disposed are deleted when
/// the process exits normally.
/// </summary>
internal sealed class TemporaryOnnxFile : IDisposable
{
    /// <summary>Files of live instances, deleted at process exit if never disposed.</summary>
    private static readonly ConcurrentDictionary<string, byte> LiveFiles = new();

    static TemporaryOnnxFile() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteUndisposed();

    private int _disposed;

    public TemporaryOnnxFile(string? folder, byte[] onnx)
    {
        string directory = string.IsNullOrEmpty(folder) ? System.IO.Path.GetTempPath() : folder;
        Path = System.IO.Path.Combine(directory, $"mnistpipeline-{Guid.NewGuid():N}.onnx");
        LiveFiles.TryAdd(Path, 0);
        try
        {
            File.WriteAllBytes(Path, onnx);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Path { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        File.Delete(Path);
        LiveFiles.TryRemove(Path, out _);
    }

    private static void DeleteUndisposed()
    {
        foreach (string path in LiveFiles.Keys)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Best effort at exit: the file is in the temp folder either way.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
