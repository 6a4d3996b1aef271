using System.IO.MemoryMappedFiles;

namespace MnistPipeline.Data;

/// <summary>
/// The data part of an uncompressed IDX file, read through a memory mapping: the operating system
/// pages in only what a cursor touches, and no managed copy of the file is made.
/// </summary>
internal sealed class MappedFilePayload : IdxPayload
{
    private readonly string _path;
    private readonly long _dataOffset;
    private readonly long _dataLength;

    public MappedFilePayload(string path, long dataOffset, long dataLength)
    {
        _path = path;
        _dataOffset = dataOffset;
        _dataLength = dataLength;
    }

    public override long Length => _dataLength;

    public override IdxPayloadReader OpenReader() => new Reader(_path, _dataOffset, _dataLength);

    private sealed class Reader : IdxPayloadReader
    {
        private readonly MemoryMappedFile? _map;
        private readonly MemoryMappedViewAccessor? _view;
        private readonly ulong _dataOffset;

        public Reader(string path, long dataOffset, long dataLength)
        {
            _dataOffset = (ulong)dataOffset;
            if (dataLength == 0)
                return; // nothing to map (an IDX file with zero items); Read is never called

            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            try
            {
                // The header was checked against the file length when the file was loaded. A file that
                // changed since then would make the mapping read past its end (a crash, not an exception).
                long expected = dataOffset + dataLength;
                if (stream.Length != expected)
                {
                    throw new IdxFormatException(path, "file length",
                        $"{expected:N0} bytes (as when the file was loaded)",
                        $"{stream.Length:N0} bytes: the file changed after it was loaded");
                }
                // The mapping owns the stream from here on and closes it on dispose.
                _map = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0,
                    MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }

        public override void Read(long offset, Span<byte> destination)
        {
            if (destination.IsEmpty)
                return;
            _view!.SafeMemoryMappedViewHandle.ReadSpan(_dataOffset + (ulong)_view.PointerOffset + (ulong)offset, destination);
        }

        public override void Dispose()
        {
            _view?.Dispose();
            _map?.Dispose();
        }
    }
}
