namespace MnistPipeline.Data;

/// <summary>An IDX file whose header has been validated against its length (or its inflated length).</summary>
internal sealed class IdxFile
{
    public IdxFile(string path, bool isGzip, IReadOnlyList<long> dimensions, IdxPayload payload)
    {
        Path = path;
        IsGzip = isGzip;
        Dimensions = dimensions;
        Payload = payload;
        long itemSize = 1;
        for (int i = 1; i < dimensions.Count; i++)
            itemSize *= dimensions[i];
        ItemSize = (int)itemSize;
    }

    /// <summary>The file as given by the caller.</summary>
    public string Path { get; }

    /// <summary>Whether the file was gzip-compressed (detected by its magic bytes).</summary>
    public bool IsGzip { get; }

    /// <summary>The dimension sizes from the header; the first is the item count.</summary>
    public IReadOnlyList<long> Dimensions { get; }

    /// <summary>The number of items (images or labels).</summary>
    public long ItemCount => Dimensions[0];

    /// <summary>Bytes per item: the product of all dimensions but the first (1 for labels).</summary>
    public int ItemSize { get; }

    /// <summary>The data after the header.</summary>
    public IdxPayload Payload { get; }

    /// <summary>Reads the whole data part into one array; meant for the small labels file.</summary>
    public byte[] ReadAllData()
    {
        var data = new byte[Payload.Length];
        using var reader = Payload.OpenReader();
        reader.Read(0, data);
        return data;
    }
}
