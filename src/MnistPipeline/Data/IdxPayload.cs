namespace MnistPipeline.Data;

/// <summary>
/// The data part of a validated IDX file (everything after the header). Readers are opened per
/// cursor so that an <see cref="Microsoft.ML.IDataView"/> holds no open file between passes.
/// </summary>
internal abstract class IdxPayload
{
    /// <summary>Length of the data part in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>Opens a reader; the caller disposes it.</summary>
    public abstract IdxPayloadReader OpenReader();
}

/// <summary>Random access to the bytes of an <see cref="IdxPayload"/>.</summary>
internal abstract class IdxPayloadReader : IDisposable
{
    /// <summary>Copies <paramref name="destination"/>.Length bytes starting at <paramref name="offset"/> of the data part.</summary>
    public abstract void Read(long offset, Span<byte> destination);

    /// <inheritdoc />
    public abstract void Dispose();
}
