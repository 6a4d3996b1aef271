using System.Buffers.Binary;
using System.IO.Compression;
using MnistPipeline.Data;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Data;

[TestClass]
public sealed class IdxReaderTests
{
    private TempFolder _folder = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = new TempFolder();

    [TestCleanup]
    public void DeleteFolder() => _folder.Dispose();

    [TestMethod]
    public void Open_ValidImages_ReadsDimensionsAndData()
    {
        var bytes = IdxBytes.Images(count: 3, rows: 4, columns: 5);
        string path = _folder.Write("images", bytes);

        var file = IdxReader.Open(path, IdxLayout.Images);

        CollectionAssert.AreEqual(new long[] { 3, 4, 5 }, file.Dimensions.ToArray());
        Assert.AreEqual(20, file.ItemSize);
        Assert.IsFalse(file.IsGzip);
        CollectionAssert.AreEqual(bytes[16..], file.ReadAllData());
    }

    [TestMethod]
    public void Open_GzipWithoutGzExtension_IsDetectedByMagicBytes()
    {
        var bytes = IdxBytes.Images(count: 3, rows: 4, columns: 5);
        string path = _folder.Write("images-idx3-ubyte", IdxBytes.Gzip(bytes));

        var file = IdxReader.Open(path, IdxLayout.Images);

        Assert.IsTrue(file.IsGzip);
        CollectionAssert.AreEqual(bytes[16..], file.ReadAllData());
    }

    [TestMethod]
    public void Open_PlainFileNamedGz_IsReadAsPlain()
    {
        var bytes = IdxBytes.Labels(1, 2, 3);
        string path = _folder.Write("labels.gz", bytes);

        var file = IdxReader.Open(path, IdxLayout.Labels);

        Assert.IsFalse(file.IsGzip);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, file.ReadAllData());
    }

    [TestMethod]
    public void Open_WrongMagic_NamesFileFieldExpectedAndFound()
    {
        var bytes = IdxBytes.Images(2, 2, 2);
        bytes[0] = 0x12;
        bytes[1] = 0x34;
        string path = _folder.Write("images", bytes);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "magic number (bytes 0-1)", "0x00 0x00", "0x12 0x34: not an IDX file");
    }

    [TestMethod]
    [DataRow((byte)0x09, "signed byte")]
    [DataRow((byte)0x0B, "16-bit integer")]
    [DataRow((byte)0x0C, "32-bit integer")]
    [DataRow((byte)0x0D, "32-bit float")]
    [DataRow((byte)0x0E, "64-bit float")]
    [DataRow((byte)0x42, "not an IDX type code")]
    public void Open_UnsupportedTypeCode_NamesTheTypeFound(byte typeCode, string typeName)
    {
        var bytes = IdxBytes.Images(2, 2, 2);
        bytes[2] = typeCode;
        string path = _folder.Write("images", bytes);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "type code (byte 2)", "0x08 (unsigned byte)", $"0x{typeCode:X2} ({typeName})");
    }

    [TestMethod]
    public void Open_LabelsFileAsImages_ReportsWrongRank()
    {
        string path = _folder.Write("labels", IdxBytes.Labels(1, 2, 3));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "rank (byte 3)", "3 (images: count, rows, columns)", "1");
    }

    [TestMethod]
    public void Open_ImagesFileAsLabels_ReportsWrongRank()
    {
        string path = _folder.Write("images", IdxBytes.Images(2, 2, 2));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Labels));

        AssertNames(error, path, "rank (byte 3)", "1 (labels: count)", "3");
    }

    [TestMethod]
    [DataRow(1, "magic number", "4 bytes", "1 bytes: the file ends inside the header")]
    [DataRow(3, "magic number", "4 bytes", "3 bytes: the file ends inside the header")]
    [DataRow(4, "header", "16 bytes (magic number and 3 dimension size(s))", "4 bytes: the file ends inside the header")]
    [DataRow(15, "header", "16 bytes (magic number and 3 dimension size(s))", "15 bytes: the file ends inside the header")]
    public void Open_TruncatedInHeader_NamesFieldAndLengths(int length, string field, string expected, string found)
    {
        string path = _folder.Write("images", IdxBytes.Images(2, 3, 3)[..length]);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, field, expected, found);
    }

    [TestMethod]
    [DataRow(16, 18)]
    [DataRow(25, 9)]
    [DataRow(33, 1)]
    public void Open_TruncatedInData_ReportsMissingBytes(int length, int missing)
    {
        // 2 images of 3 x 3: 16 + 18 = 34 bytes.
        string path = _folder.Write("images", IdxBytes.Images(2, 3, 3)[..length]);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "file length", "34 bytes (a 16-byte header and 18 bytes of data: 2 × 3 × 3)",
            $"{length} bytes: truncated, {missing} bytes missing");
    }

    [TestMethod]
    public void Open_TrailingBytes_ReportsThem()
    {
        string path = _folder.Write("images", [.. IdxBytes.Images(2, 3, 3), 7, 7, 7]);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "file length", "34 bytes (a 16-byte header and 18 bytes of data: 2 × 3 × 3)",
            "37 bytes: 3 trailing bytes after the data");
    }

    [TestMethod]
    public void Open_EmptyFile_SaysItIsEmpty()
    {
        string path = _folder.Write("images", []);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "file length", "an IDX header (at least 4 bytes)", "0 bytes: the file is empty");
    }

    [TestMethod]
    public void Open_ZeroRows_ReportsTheDimension()
    {
        string path = _folder.Write("images", IdxBytes.Header(IdxBytes.UnsignedByte, 3, 5, 0, 28));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        AssertNames(error, path, "dimension[1] (rows)", "at least 1", "0");
    }

    [TestMethod]
    public void Open_HugeDeclaredSize_FailsBeforeAllocating()
    {
        // 2,147,483,591 images of 28 x 28 declared (1.7 TB), 100 bytes present.
        string path = _folder.Write("images", [.. IdxBytes.Header(IdxBytes.UnsignedByte, 3, 0x7FFF_FFC7, 28, 28), .. new byte[100]]);
        IdxReader.Open(_folder.Write("warm", IdxBytes.Images(1, 1, 1)), IdxLayout.Images); // JIT and statics outside the measurement

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual("file length", error.Field);
        StringAssert.Contains(error.Expected, "2,147,483,591 × 28 × 28");
        StringAssert.Contains(error.Found, "116 bytes: truncated");
        Assert.IsLessThan(1_000_000, allocated, $"allocated {allocated:N0} bytes");
        AssertMessageNamesAll(error);
    }

    [TestMethod]
    public void Open_HugeDeclaredSizeInGzip_FailsBeforeAllocating()
    {
        string path = _folder.Write("images", IdxBytes.Gzip([.. IdxBytes.Header(IdxBytes.UnsignedByte, 3, 60_000_000, 28, 28), .. new byte[100]]));
        IdxReader.Open(_folder.Write("warm", IdxBytes.Gzip(IdxBytes.Images(1, 1, 1))), IdxLayout.Images);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.AreEqual("declared size", error.Field);
        StringAssert.Contains(error.Expected, "the most");
        StringAssert.Contains(error.Found, "47,040,000,016 bytes");
        Assert.IsLessThan(1_000_000, allocated, $"allocated {allocated:N0} bytes");
        AssertMessageNamesAll(error);
    }

    [TestMethod]
    public void Open_HugeCountInLabels_FailsBeforeAllocating()
    {
        string path = _folder.Write("labels", IdxBytes.Header(IdxBytes.UnsignedByte, 1, uint.MaxValue));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Labels));

        AssertNames(error, path, "dimension[0] (count)", "at most 2,147,483,591", "4,294,967,295");
    }

    [TestMethod]
    public void Open_GzipWithBadCrc_ReportsCorruptGzip()
    {
        var gzip = IdxBytes.Gzip(IdxBytes.Images(5, 4, 4));
        gzip[^8] ^= 0xFF; // first byte of the CRC-32 in the trailer
        string path = _folder.Write("images.gz", gzip);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        Assert.AreEqual(path, error.FilePath);
        Assert.AreEqual("gzip stream", error.Field);
        StringAssert.Contains(error.Expected, "CRC-32");
        StringAssert.Contains(error.Found, "rejects");
        Assert.IsInstanceOfType<InvalidDataException>(error.InnerException);
        AssertMessageNamesAll(error);
    }

    [TestMethod]
    public void Open_GzipWithCorruptDeflateData_ReportsCorruptGzip()
    {
        var gzip = IdxBytes.Gzip(IdxBytes.Images(50, 8, 8, (i, r, c) => (byte)((i * 13 + r * 7 + c * 3) % 256)));
        for (int i = gzip.Length / 2; i < gzip.Length / 2 + 20; i++)
            gzip[i] ^= 0x5A;
        string path = _folder.Write("images.gz", gzip);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        Assert.AreEqual(path, error.FilePath);
        Assert.IsTrue(error.Field is "gzip stream" or "gzip trailer" or "data length", $"field '{error.Field}': {error.Message}");
        AssertMessageNamesAll(error);
    }

    [TestMethod]
    [DataRow(0.5, "data length")]
    [DataRow(-8.0, "gzip trailer")]
    [DataRow(-4.0, "gzip trailer")]
    [DataRow(-1.0, "gzip trailer")]
    public void Open_TruncatedGzip_IsReportedWherePresent(double cut, string field)
    {
        // cut > 0: a fraction of the file kept; cut < 0: bytes removed from the end (inside the trailer).
        var gzip = IdxBytes.Gzip(IdxBytes.Images(200, 8, 8, (i, r, c) => (byte)((i * 7 + r * c) % 251)));
        int keep = cut > 0 ? (int)(gzip.Length * cut) : gzip.Length + (int)cut;
        string path = _folder.Write("images.gz", gzip[..keep]);

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        Assert.AreEqual(path, error.FilePath);
        Assert.AreEqual(field, error.Field, error.Message);
        StringAssert.Contains(error.Found, "truncated");
        AssertMessageNamesAll(error);
    }

    [TestMethod]
    public void Open_GzipInflatingFarBeyondItsHeader_StopsAtTheDeclaredSize()
    {
        // The header declares 10 images of 28 x 28 (7,856 bytes); the stream goes on with 256 MB of zeros.
        string path = _folder.File("bomb.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            gzip.Write(IdxBytes.Images(10, 28, 28));
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++)
                gzip.Write(zeros);
        }
        Assert.IsLessThan(1_000_000L, new FileInfo(path).Length, "the bomb must be small on disk");
        IdxReader.Open(_folder.Write("warm.gz", IdxBytes.Gzip(IdxBytes.Images(1, 1, 1))), IdxLayout.Images);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        AssertNames(error, path, "data length", "7,840 bytes of data after the header (10 × 28 × 28)",
            "more inflated data after the declared size (trailing bytes in the gzip stream)");
        Assert.IsLessThan(1_000_000, allocated, $"allocated {allocated:N0} bytes");
        Assert.IsLessThan(5.0, started.Elapsed.TotalSeconds, "reading must stop at the declared size, not inflate 256 MB");
    }

    [TestMethod]
    public void Open_GzipWithTrailingBytesAfterTheStream_IsReported()
    {
        var bytes = IdxBytes.Images(3, 2, 2);
        string path = _folder.Write("images.gz", IdxBytes.Gzip([.. bytes, 9, 9]));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => IdxReader.Open(path, IdxLayout.Images));

        Assert.AreEqual("data length", error.Field);
        StringAssert.Contains(error.Found, "trailing bytes");
        AssertMessageNamesAll(error);
    }

    [TestMethod]
    public void Open_FileChangedAfterLoading_CursorReaderSaysSo()
    {
        string path = _folder.Write("images", IdxBytes.Images(3, 2, 2));
        var file = IdxReader.Open(path, IdxLayout.Images);
        File.WriteAllBytes(path, IdxBytes.Images(2, 2, 2));

        var error = Assert.ThrowsExactly<IdxFormatException>(() => file.Payload.OpenReader().Dispose());

        AssertNames(error, path, "file length", "28 bytes (as when the file was loaded)", "24 bytes: the file changed after it was loaded");
    }

    [TestMethod]
    public void Open_LargeGzip_ReadsAcrossChunkBoundaries()
    {
        // 3 MB of data: more than one in-memory chunk, with rows that straddle chunk boundaries.
        var bytes = IdxBytes.Images(3_000, 33, 31, (i, r, c) => (byte)(i ^ (r * 31 + c)));
        string path = _folder.Write("images.gz", IdxBytes.Gzip(bytes, CompressionLevel.Fastest));

        var file = IdxReader.Open(path, IdxLayout.Images);

        using var reader = file.Payload.OpenReader();
        var row = new byte[file.ItemSize];
        foreach (int i in new[] { 0, 1024, 1025, 2047, 2999 })
        {
            reader.Read((long)i * file.ItemSize, row);
            CollectionAssert.AreEqual(bytes.AsSpan(16 + i * file.ItemSize, file.ItemSize).ToArray(), row, $"row {i}");
        }
    }

    [TestMethod]
    public void IdxBytes_Header_IsBigEndian()
    {
        var header = IdxBytes.Header(IdxBytes.UnsignedByte, 3, 60_000, 28, 28);

        CollectionAssert.AreEqual(new byte[] { 0, 0, 8, 3 }, header[..4]);
        Assert.AreEqual(60_000u, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)));
    }

    internal static void AssertNames(IdxFormatException error, string path, string field, string expected, string found)
    {
        Assert.AreEqual(path, error.FilePath);
        Assert.AreEqual(field, error.Field);
        Assert.AreEqual(expected, error.Expected);
        Assert.AreEqual(found, error.Found);
        AssertMessageNamesAll(error);
    }

    /// <summary>The message alone must be enough: file, field, expected and found value.</summary>
    internal static void AssertMessageNamesAll(IdxFormatException error)
    {
        StringAssert.Contains(error.Message, error.FilePath);
        StringAssert.Contains(error.Message, $"{error.Field}: expected {error.Expected}, found {error.Found}");
    }
}
