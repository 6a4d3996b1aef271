namespace MnistPipeline.Data;

/// <summary>
/// The data part of a gzip-compressed IDX file, inflated once into memory. Stored in chunks so
/// that memory grows with what was actually inflated, never with what a header merely declares,
/// and so that no single array needs to hold a large file.
/// </summary>
internal sealed class InMemoryPayload : IdxPayload
{
    internal const int ChunkSize = 1 << 20;

    private readonly List<byte[]> _chunks = [];
    private readonly long _capacity;
    private long _length;

    /// <param name="capacity">The data length the IDX header declares; appending stops there.</param>
    public InMemoryPayload(long capacity) => _capacity = capacity;

    public override long Length => _length;

    /// <summary>
    /// Appends inflated bytes. A chunk is allocated only when data arrives for it, and is no larger
    /// than what the declared capacity still allows.
    /// </summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.Length > _capacity - _length)
            throw new InvalidOperationException("Appending past the declared IDX data length.");
        while (!data.IsEmpty)
        {
            int used = (int)(_length % ChunkSize);
            if (used == 0)
                _chunks.Add(new byte[(int)Math.Min(ChunkSize, _capacity - _length)]);
            int take = Math.Min(ChunkSize - used, data.Length);
            data[..take].CopyTo(_chunks[^1].AsSpan(used));
            data = data[take..];
            _length += take;
        }
    }

    public override IdxPayloadReader OpenReader() => new Reader(this);

    private sealed class Reader : IdxPayloadReader
    {
        private readonly InMemoryPayload _payload;

        public Reader(InMemoryPayload payload) => _payload = payload;

        public override void Read(long offset, Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                var chunk = _payload._chunks[(int)(offset / ChunkSize)];
                int start = (int)(offset % ChunkSize);
                int take = Math.Min(chunk.Length - start, destination.Length);
                chunk.AsSpan(start, take).CopyTo(destination);
                destination = destination[take..];
                offset += take;
            }
        }

        public override void Dispose()
        {
            // Nothing to release: the chunks belong to the payload.
        }
    }
}
