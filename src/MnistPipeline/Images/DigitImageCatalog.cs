using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Images;

/// <summary>Loads image files of digits into ML.NET in MNIST's format: <c>mlContext.Data.LoadDigitImages(paths)</c>.</summary>
/// <remarks>
/// This is a loader rather than a savable transform on purpose. A transform from encoded image bytes to
/// pixels could be saved only as a contract-named <c>CustomMapping</c> (ML.NET's persistence types are
/// internal), which would make every model file that contains it need this assembly's image code to load,
/// and a single bad image would fail in the middle of a cursor pass. Reading the files up front checks
/// every one before training or scoring starts, names the file that is wrong, and yields the very
/// <c>Image</c> column of <c>LoadMnist</c>, so the same saved model scores it.
/// </remarks>
public static class DigitImageCatalog
{
    /// <summary>The column of file paths.</summary>
    public const string PathColumnName = "Path";

    /// <summary>The column of prepared pixels, as <c>LoadMnist</c> names it.</summary>
    public const string ImageColumnName = "Image";

    /// <summary>
    /// Reads and prepares each PNG or JPEG file with <see cref="MnistDigitImage.FromFile"/> and returns
    /// them as an <see cref="IDataView"/> with the columns <c>Path</c> (Text) and <c>Image</c>
    /// (<c>Vector&lt;Byte, 28, 28&gt;</c>, the column MNIST uses), in the given order.
    /// </summary>
    /// <param name="catalog">The data catalog, <c>mlContext.Data</c>.</param>
    /// <param name="paths">The image files.</param>
    /// <param name="options">Background and size limit for every file; null for the defaults.</param>
    /// <returns>An in-memory view, one row per file.</returns>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is not a usable digit image; the message names it.</exception>
    /// <example>
    /// <code>
    /// IDataView digits = mlContext.Data.LoadDigitImages(Directory.GetFiles("photos", "*.jpg"));
    /// IDataView scored = model.Transform(digits);   // the model the sample saves: Image in, Score and PredictedLabel out
    /// </code>
    /// </example>
    public static IDataView LoadDigitImages(this DataOperationsCatalog catalog, IEnumerable<string> paths, MnistDigitImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(paths);
        var rows = paths.Select(path => new DigitImageRow { Path = path, Image = MnistDigitImage.FromFile(path, options) }).ToList();
        return catalog.LoadFromEnumerable(rows);
    }

    private sealed class DigitImageRow
    {
        [ColumnName(PathColumnName)]
        public string Path { get; set; } = "";

        [ColumnName(ImageColumnName)]
        [VectorType(MnistDigitImage.Side, MnistDigitImage.Side)]
        public byte[] Image { get; set; } = [];
    }
}
