using Microsoft.ML;
using MnistPipeline.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>Small MNIST-like IDX files on disk, loaded through the real loader.</summary>
internal sealed class SyntheticMnist : IDisposable
{
    private readonly TempFolder _folder = new();

    public SyntheticMnist(int count = 40, int rows = 4, int columns = 3, Func<int, int, int, byte>? pixel = null)
    {
        Count = count;
        Rows = rows;
        Columns = columns;
        ImagesBytes = IdxBytes.Images(count, rows, columns, pixel);
        LabelsBytes = IdxBytes.CyclicLabels(count);
        ImagesPath = _folder.Write("images-idx3-ubyte", ImagesBytes);
        LabelsPath = _folder.Write("labels-idx1-ubyte", LabelsBytes);
    }

    public int Count { get; }

    public int Rows { get; }

    public int Columns { get; }

    public byte[] ImagesBytes { get; }

    public byte[] LabelsBytes { get; }

    public string ImagesPath { get; }

    public string LabelsPath { get; }

    /// <summary>The pixels of image <paramref name="index"/>, row-major.</summary>
    public byte[] Pixels(int index) => ImagesBytes.AsSpan(16 + index * Rows * Columns, Rows * Columns).ToArray();

    /// <summary>The label (0-9) of row <paramref name="index"/>.</summary>
    public byte Label(int index) => LabelsBytes[8 + index];

    public IDataView Load(MLContext ml) => ml.Data.LoadMnist(ImagesPath, LabelsPath);

    public void Dispose() => _folder.Dispose();
}
