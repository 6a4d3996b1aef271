using System.IO.Compression;

namespace MnistPipeline.Data;

/// <summary>
/// Puts verified files in place. Everything is written to a uniquely named temporary file in the
/// target folder and then renamed, so a final name only ever holds a complete, verified file, and
/// two processes fetching at once cannot corrupt each other (the last rename wins, and both wrote
/// the same bytes).
/// </summary>
internal static class MnistFileInstaller
{
    private const int BufferSize = 1 << 16;

    /// <summary>A fresh temporary path next to the final file; hidden, and unique per call.</summary>
    public static string TempPath(string folder, string name)
        => Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.part");

    /// <summary>
    /// Moves a verified temporary file (in <paramref name="folder"/>) to the file's standard name,
    /// inflating it first if it is gzip: cursors memory-map plain files, which is faster than
    /// inflating on every load. The inflated bytes are checked again before the rename.
    /// </summary>
    /// <returns>The final path.</returns>
    public static string Install(string verifiedTemp, bool isGzip, MnistFileSpec spec, string folder, CancellationToken cancellationToken)
    {
        string final = Path.Combine(folder, spec.Name);
        if (!isGzip)
        {
            File.Move(verifiedTemp, final, overwrite: true);
            return final;
        }

        string temp = TempPath(folder, spec.Name);
        try
        {
            string hash;
            long length;
            using (var input = new FileStream(verifiedTemp, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize))
            using (var gzip = new GZipStream(input, CompressionMode.Decompress))
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                hash = CopyHashing(gzip, output, spec.Length + 1, cancellationToken, out length);
                output.Flush(flushToDisk: true);
            }
            if (length != spec.Length || hash != spec.Sha256)
            {
                throw new IOException($"Inflating '{verifiedTemp}' gave {length:N0} bytes with SHA-256 {hash}; " +
                    $"expected {spec.Length:N0} bytes with SHA-256 {spec.Sha256} (the file changed after it was verified).");
            }
            File.Move(temp, final, overwrite: true);
            return final;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Copies at most <paramref name="limit"/> bytes, hashing them with SHA-256.</summary>
    public static string CopyHashing(Stream source, Stream destination, long limit, CancellationToken cancellationToken, out long length)
        => MnistFileVerifier.HashStream(source, limit, cancellationToken, out length, copyTo: destination);

    /// <summary>Deletes a temporary file if it exists; a failure to clean up must not hide the real outcome.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
