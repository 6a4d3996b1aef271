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
    /// disk, read back and checked, then renamed over <paramref name="path"/>. If anything fails,
    /// an existing file at <paramref name="path"/> is left byte-identical and no temporary file remains.
    /// </summary>
    /// <remarks>
    /// The check matters: ML.NET's writer ignores errors raised while it finishes the zip (the
    /// last entry and the zip directory, written when its archive is closed), so a disk that fills
    /// up at the end of <c>Model.Save</c> leaves a truncated file and no exception. Here such a
    /// file fails the check and the save throws.
    /// </remarks>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The model to save.</param>
    /// <param name="inputSchema">The schema of the model's input (usually the training data's).</param>
    /// <param name="path">The model file to create or replace.</param>
    /// <exception cref="IOException">Writing failed, or the written file is not a complete model.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder cannot be written, or the file cannot be replaced.</exception>
    /// <example>
    /// <code>
    /// mlContext.Model.SaveAtomically(model, trainData.Schema, "mnist-mlp.zip");
    /// </code>
    /// </example>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
        => SaveAtomically(catalog, model, inputSchema, path, wrapStream: null);

    /// <summary>The public save, with a hook for tests to wrap the stream ML.NET writes to (fault injection).</summary>
    internal static void SaveAtomically(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path,
        Func<Stream, Stream>? wrapStream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        SaveAtomically(path,
            stream => catalog.Save(model, inputSchema, wrapStream is null ? stream : wrapStream(stream)),
            stream => CheckWrittenModel(path, stream));
    }

    /// <summary>
    /// Writes a file atomically through <paramref name="write"/>: temporary file in the same
    /// folder, flush to disk, <paramref name="check"/> on the written bytes (from the start),
    /// rename over <paramref name="path"/>.
    /// </summary>
    internal static void SaveAtomically(string path, Action<Stream> write, Action<Stream>? check = null)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
                if (check is not null)
                {
                    stream.Position = 0;
                    check(stream);
                }
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    private static void CheckWrittenModel(string path, Stream written)
    {
        try
        {
            ModelFileCheck.CheckArchive(written, checkOnnx: false);
        }
        catch (InvalidDataException e)
        {
            throw new IOException(
                $"Saving the model to '{path}' failed: the file written is not a complete model ({e.Message}) " +
                "ML.NET's writer does not report errors at the end of the file (e.g. a full disk). The previous file, if any, is unchanged.", e);
        }
    }

    /// <summary>
    /// Loads a model like <see cref="ModelOperationsCatalog.Load(string, out DataViewSchema)"/>,
    /// but a file that is not a readable, intact ML.NET model (truncated, corrupted, not a .zip,
    /// an entry missing, damaged or swapped for one that does not fit) fails with one
    /// <see cref="InvalidDataException"/> naming the file and the cause, instead of the many
    /// exception types ML.NET's loaders throw, or a model that loads and scores wrongly.
    /// Load models only from trusted sources: loading instantiates the types the file names.
    /// </summary>
    /// <remarks>
    /// Before ML.NET reads the file, every zip entry is inflated and compared with the CRC-32 and
    /// length in the zip directory (ML.NET does not check them: a flipped bit in a stored weight
    /// would load), and every ONNX graph stored by an OnnxTransformer is opened by ONNX Runtime
    /// from memory (ML.NET leaves its temporary copy behind when ONNX Runtime rejects it). After
    /// loading, the model must accept the input schema saved with it, and a <c>Score</c> vector must
    /// have one slot per <c>PredictedLabel</c> class. A model that passes scores rows of that schema
    /// without load-time errors; wrong input still fails as documented for scoring.
    /// </remarks>
    /// <param name="catalog">The model catalog (<c>mlContext.Model</c>).</param>
    /// <param name="path">The model file.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    /// <returns>The model; dispose it (it is an <see cref="IDisposable"/> chain) to release native sessions and temporary files.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable, intact model.</exception>
    public static ITransformer LoadChecked(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        ITransformer model;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            try
            {
                ModelFileCheck.CheckArchive(stream);
            }
            catch (Exception e) when (IsDamage(e))
            {
                throw NotReadable(path, e);
            }
            try
            {
                stream.Position = 0;
                model = catalog.Load(stream, out inputSchema);
            }
            catch (Exception e) when (IsDamage(e))
            {
                ReleasePartiallyLoadedModel();
                throw NotReadable(path, e);
            }
        }

        try
        {
            ModelFileCheck.CheckLoadedModel(model, inputSchema);
        }
        catch (InvalidDataException e)
        {
            (model as IDisposable)?.Dispose();
            throw NotReadable(path, e);
        }
        return model;
    }

    /// <summary>What a damaged file can make a reader throw; not a lack of rights, memory or time.</summary>
    private static bool IsDamage(Exception e) => e is not (UnauthorizedAccessException or OutOfMemoryException or OperationCanceledException);

    /// <summary>
    /// When ML.NET fails partway through a chain, the transformers it already built are not
    /// disposed: an OnnxTransformer's ONNX Runtime session and its temporary copy of the graph
    /// (opened delete-on-close) stay until their finalizers run. They are unreachable once
    /// <c>Load</c> has thrown, so one full collection releases them now instead of at some later
    /// GC, and the temp folder does not collect a file per damaged model. Only this failure path
    /// pays for it.
    /// </summary>
    private static void ReleasePartiallyLoadedModel()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    private static InvalidDataException NotReadable(string path, Exception e)
        => new($"Model file '{path}' is not a readable ML.NET model: {ModelFileCheck.Describe(e)}", e);
}
