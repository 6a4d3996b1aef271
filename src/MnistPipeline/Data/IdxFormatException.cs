namespace MnistPipeline.Data;

/// <summary>
/// Thrown when an IDX file (or a gzip-compressed IDX file) is malformed: a bad header, a size that
/// does not match the file, a corrupt gzip stream, a label out of range. The message names the
/// file, the field, the expected and the found value, so that the cause can be fixed without a
/// debugger.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/>: <see cref="InvalidDataException"/>, the natural base,
/// is sealed. A decoder failure inside a gzip file arrives as <see cref="Exception.InnerException"/>.
/// </remarks>
public sealed class IdxFormatException : IOException
{
    /// <summary>Creates the exception for one malformed field of one file.</summary>
    /// <param name="filePath">The file that was read.</param>
    /// <param name="field">The header field or data element that is wrong, e.g. <c>magic</c> or <c>label[17]</c>.</param>
    /// <param name="expected">What a valid file has there.</param>
    /// <param name="found">What this file has there.</param>
    /// <param name="innerException">The lower-level error (e.g. from the gzip decoder), if any.</param>
    public IdxFormatException(string filePath, string field, string expected, string found, Exception? innerException = null)
        : base(FormatMessage(filePath, field, expected, found), innerException)
    {
        FilePath = filePath;
        Field = field;
        Expected = expected;
        Found = found;
    }

    /// <summary>The file that was read.</summary>
    public string FilePath { get; }

    /// <summary>The header field or data element that is wrong, e.g. <c>magic</c>, <c>dimension[0]</c> or <c>label[17]</c>.</summary>
    public string Field { get; }

    /// <summary>What a valid file has in <see cref="Field"/>.</summary>
    public string Expected { get; }

    /// <summary>What the file has in <see cref="Field"/>.</summary>
    public string Found { get; }

    private static string FormatMessage(string filePath, string field, string expected, string found)
        => $"Malformed IDX file '{filePath}': {field}: expected {expected}, found {found}.";
}
