namespace MnistPipeline.Data;

/// <summary>The shape an IDX file must have for one role (images or labels), used in checks and messages.</summary>
internal sealed record IdxLayout(string Role, IReadOnlyList<string> DimensionNames)
{
    /// <summary>Unsigned-byte images: count × rows × columns.</summary>
    public static readonly IdxLayout Images = new("images", ["count", "rows", "columns"]);

    /// <summary>Unsigned-byte labels: count.</summary>
    public static readonly IdxLayout Labels = new("labels", ["count"]);

    /// <summary>The number of dimensions.</summary>
    public int Rank => DimensionNames.Count;

    /// <summary>For messages, e.g. "3 (images: count, rows, columns)".</summary>
    public string DescribeRank() => $"{Rank} ({Role}: {string.Join(", ", DimensionNames)})";
}
