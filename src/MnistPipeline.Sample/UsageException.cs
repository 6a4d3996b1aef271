namespace MnistPipeline.Sample;

/// <summary>A bad command-line value found after parsing (e.g. an option the trainer rejects): exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
