namespace MnistPipeline.Data;

/// <summary>
/// Thrown by <see cref="MnistFiles.Ensure"/> when the four MNIST files cannot be had: a file in a
/// user's folder is damaged, or every source failed. The message lists what was found and tried,
/// and how to place the files by hand.
/// </summary>
public sealed class MnistFilesUnavailableException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="dataDirectory">The folder that was searched and written to.</param>
    /// <param name="problems">One line per problem or failed attempt, in order.</param>
    /// <param name="message">The full message, including <paramref name="problems"/> and how to fix them.</param>
    public MnistFilesUnavailableException(string dataDirectory, IReadOnlyList<string> problems, string message)
        : base(message)
    {
        DataDirectory = dataDirectory;
        Problems = problems;
    }

    /// <summary>The folder that was searched and written to.</summary>
    public string DataDirectory { get; }

    /// <summary>One line per problem or failed attempt (damaged file, mirror URL and its error, npm outcome), in order.</summary>
    public IReadOnlyList<string> Problems { get; }
}
