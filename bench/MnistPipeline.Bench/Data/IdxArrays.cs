using System.Buffers.Binary;

namespace MnistPipeline.Bench.Data;

/// <summary>
/// The four MNIST files read straight into arrays, without ML.NET: the data source of the plain
/// TorchSharp loop (and of the PredictionEngine inputs). Plain (uncompressed) IDX files only.
/// </summary>
internal sealed class IdxArrays
{
    private IdxArrays(byte[] pixels, byte[] labels, int rows, int columns)
    {
        Pixels = pixels;
        Labels = labels;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Row-major pixels, <see cref="Count"/> × <see cref="Rows"/> × <see cref="Columns"/>.</summary>
    public byte[] Pixels { get; }

    /// <summary>The digit of every image.</summary>
    public byte[] Labels { get; }

    public int Rows { get; }
    public int Columns { get; }
    public int Count => Labels.Length;
    public int PixelsPerImage => Rows * Columns;

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);

    public static IdxArrays Read(string imagesPath, string labelsPath)
    {
        var (imageDims, pixels) = ReadFile(imagesPath, rank: 3, magic: 0x0803);
        var (labelDims, labels) = ReadFile(labelsPath, rank: 1, magic: 0x0801);
        if (labelDims[0] != imageDims[0])
            throw new InvalidDataException($"{imagesPath} has {imageDims[0]} images but {labelsPath} has {labelDims[0]} labels.");
        return new IdxArrays(pixels, labels, imageDims[1], imageDims[2]);
    }

    /// <summary>The header's dimensions and the data, read once into an array of exactly the data's size.</summary>
    private static (int[] Dims, byte[] Data) ReadFile(string path, int rank, int magic)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        Span<byte> header = stackalloc byte[4 + 4 * rank];
        stream.ReadExactly(header);
        if (BinaryPrimitives.ReadInt32BigEndian(header) != magic)
            throw new InvalidDataException($"{path} is not a plain IDX file of rank {rank} (magic 0x{magic:X8} expected; .gz files are not read here).");
        var dims = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * i)..]);
            size *= dims[i];
        }
        if (stream.Length != header.Length + size)
            throw new InvalidDataException($"{path}: {stream.Length} bytes, the header says {header.Length + size}.");
        var data = new byte[size];
        stream.ReadExactly(data);
        return (dims, data);
    }
}
