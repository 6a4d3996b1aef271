using Microsoft.ML;

namespace MnistPipeline.Scoring;

/// <summary>
/// Saving and loading model files so that a failure loses nothing and says what went wrong.
/// </summary>
public static class ModelFileExtensions
{
    /// <summary>
    /// Saves <paramref name="model"/> like <see cref="ModelOperationsCatalog.Save(ITransformer, DataViewSchema, string)"/>,
    /// but atomically: the model is written to a temporary file in the same folder, flushed to
    /// disk, then renamed over <paramref name="path"/>. If anything fails, an existing file at
    /// <paramref name="path"/> is left byte-identical and no temporary file remains.
    /// </summary>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The model to save.</param>
    /// <param name="inputSchema">The schema of the model's input (usually the training data's).</param>
    /// <param name="path">The model file to create or replace.</param>
    /// <example>
    /// <code>
    /// mlContext.Model.SaveAtomically(model, trainData.Schema, "mnist-mlp.zip");
    /// </code>
    /// </example>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        SaveAtomically(path, stream => catalog.Save(model, inputSchema, stream));
    }

    /// <summary>
    /// Writes a file atomically through <paramref name="write"/>: temporary file in the same
    /// folder, flush to disk, rename over <paramref name="path"/>.
    /// </summary>
    internal static void SaveAtomically(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>
    /// Loads a model like <see cref="ModelOperationsCatalog.Load(string, out DataViewSchema)"/>,
    /// but a file that is not a readable ML.NET model (truncated, corrupted, not a .zip, an entry
    /// missing or damaged) fails with one <see cref="InvalidDataException"/> naming the file,
    /// instead of the many exception types ML.NET's loaders throw. Load models only from
    /// trusted sources: loading instantiates the types the file names.
    /// </summary>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>).</param>
    /// <param name="path">The model file.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    /// <returns>The model; dispose it (it is an <see cref="IDisposable"/> chain) to release native sessions and temporary files.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable model.</exception>
    public static ITransformer LoadChecked(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return catalog.Load(stream, out inputSchema);
        }
        catch (Exception e) when (e is not (UnauthorizedAccessException or OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException($"Model file '{path}' is not a readable ML.NET model: {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
