using Microsoft.ML;

namespace MnistPipeline.Data;

/// <summary>Loads MNIST-style IDX files into ML.NET.</summary>
public static class MnistDataCatalog
{
    /// <summary>
    /// Loads an IDX images file and its IDX labels file as an <see cref="IDataView"/> with the columns
    /// <c>Label</c> (key type, one key per class) and <c>Image</c> (<c>Vector&lt;Byte, rows, columns&gt;</c>).
    /// </summary>
    /// <param name="catalog">The data catalog, <c>mlContext.Data</c>.</param>
    /// <param name="imagesPath">An IDX file of unsigned-byte images (rank 3), plain or gzip-compressed.</param>
    /// <param name="labelsPath">An IDX file of unsigned-byte labels (rank 1), plain or gzip-compressed.</param>
    /// <returns>A lazily read view; see the overload with options for details.</returns>
    /// <exception cref="IdxFormatException">A file is malformed, the counts differ, or a label is 10 or more.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <example>
    /// <code>
    /// var files = MnistFiles.Ensure();
    /// IDataView train = mlContext.Data.LoadMnist(files.TrainImages, files.TrainLabels);
    /// </code>
    /// </example>
    public static IDataView LoadMnist(this DataOperationsCatalog catalog, string imagesPath, string labelsPath)
        => LoadMnist(catalog, imagesPath, labelsPath, new MnistLoaderOptions());

    /// <summary>
    /// Loads an IDX images file and its IDX labels file as an <see cref="IDataView"/>, with a chosen
    /// class count and column names.
    /// </summary>
    /// <param name="catalog">The data catalog, <c>mlContext.Data</c>.</param>
    /// <param name="imagesPath">An IDX file of unsigned-byte images (rank 3), plain or gzip-compressed.</param>
    /// <param name="labelsPath">An IDX file of unsigned-byte labels (rank 1), plain or gzip-compressed.</param>
    /// <param name="options">Class count and column names.</param>
    /// <returns>A lazily read view of the image/label pairs, in file order unless a cursor asks for a random order.</returns>
    /// <remarks>
    /// <para>Output columns:</para>
    /// <list type="table">
    /// <listheader><term>Column</term><description>Type</description></listheader>
    /// <item><term>Label</term><description>Key&lt;UInt32, 0-(ClassCount-1)&gt;: key = label + 1, with KeyValues 0..ClassCount-1 (UInt32), so <c>MapKeyToValue</c> gives back the label.</description></item>
    /// <item><term>Image</term><description>Vector&lt;Byte, rows, columns&gt;, sizes from the file's header (28 × 28 for MNIST).</description></item>
    /// </list>
    /// <para>
    /// Both headers are validated against the file lengths (or, for gzip, against what inflates)
    /// before anything proportional to the declared sizes is allocated, and all labels are checked
    /// against the class count here, so a bad file fails at load time, not in the middle of
    /// training. Plain files are memory-mapped by each cursor; gzip files are inflated once into
    /// memory by this call. The row count is known and cursors support a seeded random order.
    /// </para>
    /// </remarks>
    /// <exception cref="IdxFormatException">A file is malformed, the counts differ, or a label is not below the class count.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static IDataView LoadMnist(this DataOperationsCatalog catalog, string imagesPath, string labelsPath, MnistLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        // Labels first: the file is small, and a bad label fails before the images are touched.
        var labelsFile = IdxReader.Open(labelsPath, IdxLayout.Labels);
        byte[] labels = labelsFile.ReadAllData();
        CheckLabels(labelsPath, labels, options.ClassCount);

        var images = IdxReader.Open(imagesPath, IdxLayout.Images);
        if (images.ItemCount != labels.LongLength)
        {
            throw new IdxFormatException(imagesPath, "dimension[0] (count)",
                $"{labels.LongLength:N0} images, the label count of '{labelsPath}'", $"{images.ItemCount:N0} images");
        }
        return new MnistDataView(images, labels, options.ClassCount, options.LabelColumnName, options.ImageColumnName);
    }

    private static void CheckLabels(string labelsPath, byte[] labels, int classCount)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
                throw new IdxFormatException(labelsPath, $"label[{i}]", $"< {classCount} (the class count)", labels[i].ToString());
        }
    }
}
