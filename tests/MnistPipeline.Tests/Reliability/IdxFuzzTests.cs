using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// Seeded mutations of small valid IDX files, raw and gzip, through <c>LoadMnist</c> and a full
/// cursor pass over both columns: the only exception allowed is the documented
/// <see cref="IdxFormatException"/>, and each input must stay within a time and allocation bound.
/// A failure prints the seed, the input's index and its mutations, and keeps the two files in the
/// test results folder, so it reproduces.
/// </summary>
[TestClass]
public sealed class IdxFuzzTests
{
    /// <summary>The fixed seed; set MNISTPIPELINE_FUZZ_SEED to explore others.</summary>
    private const int DefaultSeed = 424242;
    private const int Inputs = 10_000;

    /// <summary>Generous for a file of a few hundred bytes on a shared 2-core machine (typical: well under 1 ms).</summary>
    private static readonly TimeSpan MaxTimePerInput = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The allocation bound of one input: a fixed part (the gzip decoder, the reader's 64 KiB
    /// copy buffer, ML.NET's schema objects) plus what the reader may hold for a gzip file, the
    /// data its header declares, which it rejects above 1032 times the file's size (deflate's
    /// limit; docs/data.md). Anything driven by a declared size beyond that fails the bound.
    /// </summary>
    private static long MaxAllocatedBytes(FuzzInput input) => FixedAllocationBytes + 1032L * (input.Images.Length + input.Labels.Length);

    private const long FixedAllocationBytes = 512 * 1024;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LoadMnist_TenThousandSeededMutations_OnlyIdxFormatExceptionWithinBounds()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("MNISTPIPELINE_FUZZ_SEED"), out int s) ? s : DefaultSeed;
        Fuzz(seed, Inputs);
    }

    [TestMethod]
    [TestCategory("Long")]
    public void LoadMnist_TenMoreSeedsOfTenThousandMutations_OnlyIdxFormatExceptionWithinBounds()
    {
        for (int seed = DefaultSeed + 1; seed <= DefaultSeed + 10; seed++)
            Fuzz(seed, Inputs);
    }

    private void Fuzz(int seed, int inputs)
    {
        TestContext.WriteLine($"fuzz seed {seed}, {inputs:N0} inputs");
        using var folder = new FuzzFolder();
        var ml = new MLContext(1);
        var master = new Random(seed);
        var outcomes = new Dictionary<string, int>();
        var failures = new List<string>();
        TimeSpan slowest = TimeSpan.Zero;
        long mostAllocated = 0, largestInput = 0;
        var total = Stopwatch.StartNew();

        for (int i = 0; i < inputs; i++)
        {
            int inputSeed = master.Next();
            var input = FuzzInput.Create(inputSeed);
            largestInput = Math.Max(largestInput, input.Images.Length + input.Labels.Length);
            // New names each time: rewriting a file in place makes ext4 flush it on close.
            string images = folder.Write($"images-{i}", input.Images);
            string labels = folder.Write($"labels-{i}", input.Labels);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            string outcome;
            Exception? unexpected = null;
            try
            {
                long rows = LoadAndReadEveryRow(ml, images, labels);
                outcome = rows == 0 ? "loaded, 0 rows" : "loaded";
            }
            catch (IdxFormatException e)
            {
                outcome = $"IdxFormatException: {e.Field.Split(' ')[0]}";
            }
            catch (Exception e)
            {
                outcome = $"unexpected {e.GetType().Name}";
                unexpected = e;
            }
            clock.Stop();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (i > 0) // the first input pays for JIT and ML.NET's start-up
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            mostAllocated = Math.Max(mostAllocated, i > 0 ? allocated : 0);

            string? problem = unexpected is not null ? $"threw {unexpected}"
                : i > 0 && clock.Elapsed > MaxTimePerInput ? $"took {clock.Elapsed.TotalMilliseconds:F0} ms"
                : i > 0 && allocated > MaxAllocatedBytes(input) ? $"allocated {allocated:N0} bytes (bound {MaxAllocatedBytes(input):N0})"
                : null;
            if (problem is not null)
                failures.Add(KeepFailure(seed, i, inputSeed, input, problem));
            File.Delete(images);
            File.Delete(labels);
        }

        TestContext.WriteLine($"{inputs:N0} inputs in {total.Elapsed.TotalSeconds:F1} s; slowest {slowest.TotalMilliseconds:F1} ms (bound {MaxTimePerInput.TotalMilliseconds:F0} ms); "
            + $"most allocated {mostAllocated:N0} bytes (bound {FixedAllocationBytes:N0} + 1032 x input bytes; largest input {largestInput:N0} bytes)");
        foreach (var (outcome, count) in outcomes.OrderByDescending(o => o.Value))
            TestContext.WriteLine($"  {count,5}  {outcome}");
        Assert.IsEmpty(failures, string.Join("\n", failures.Take(20)));
        Assert.IsGreaterThan(inputs / 100, outcomes.Where(o => o.Key.StartsWith("loaded", StringComparison.Ordinal)).Sum(o => o.Value),
            "some mutations keep the files valid (e.g. a changed pixel): the pass over valid data is exercised too");
    }

    /// <summary>
    /// Where the 20,000 fuzz files are written: memory (/dev/shm) where there is one, so that the
    /// disk traffic of other processes on this shared machine does not set the test's pace
    /// (the same run took 6 s or 48 s on disk); the system temp folder elsewhere.
    /// </summary>
    private sealed class FuzzFolder : IDisposable
    {
        private readonly string _path;

        public FuzzFolder()
        {
            string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
            _path = Directory.CreateDirectory(Path.Combine(root, $"mnistpipeline-fuzz-{Guid.NewGuid():N}")).FullName;
        }

        public string Write(string name, byte[] bytes)
        {
            string path = Path.Combine(_path, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }

    /// <summary>Loads the pair and reads every label and every image with one cursor over both columns.</summary>
    private static long LoadAndReadEveryRow(MLContext ml, string images, string labels)
    {
        var view = ml.Data.LoadMnist(images, labels);
        using var cursor = view.GetRowCursor(view.Schema);
        var label = cursor.GetGetter<uint>(view.Schema["Label"]);
        var image = cursor.GetGetter<VBuffer<byte>>(view.Schema["Image"]);
        uint key = 0;
        var pixels = default(VBuffer<byte>);
        long rows = 0;
        while (cursor.MoveNext())
        {
            label(ref key);
            image(ref pixels);
            rows++;
        }
        Assert.AreEqual(view.GetRowCount(), rows);
        return rows;
    }

    private string KeepFailure(int seed, int index, int inputSeed, FuzzInput input, string problem)
    {
        string folder = Path.Combine(TestContext.TestRunResultsDirectory!, "fuzz-failures", $"{seed}-{index}");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "images"), input.Images);
        File.WriteAllBytes(Path.Combine(folder, "labels"), input.Labels);
        return $"seed {seed}, input {index} (FuzzInput.Create({inputSeed})): {input.Description}: {problem}; files kept in {folder}";
    }

    /// <summary>One fuzz input: an images file and a labels file, each maybe mutated, maybe gzip-wrapped.</summary>
    internal sealed record FuzzInput(byte[] Images, byte[] Labels, string Description)
    {
        private static readonly uint[] InterestingSizes = [0, 1, 2, 3, 4, 5, 6, 7, 255, 256, 0x7FFF, 0x10000, 0x7FFFFFC7, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF];
        private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x03, 0x08, 0x09, 0x0D, 0x1F, 0x7F, 0x80, 0x8B, 0xFE, 0xFF];

        public static FuzzInput Create(int seed)
        {
            var random = new Random(seed);
            var (count, rows, columns) = random.Next(4) switch
            {
                0 => (6, 4, 3),
                1 => (1, 1, 1),
                2 => (0, 2, 2),
                _ => (10, 2, 5),
            };
            byte[] images = IdxBytes.Images(count, rows, columns);
            byte[] labels = IdxBytes.CyclicLabels(count);
            var steps = new List<string> { $"base {count}x{rows}x{columns}" };

            int target = random.Next(10); // 0-4 images, 5-8 labels, 9 both
            if (target <= 4 || target == 9)
                images = Mutate(images, random, steps, "images");
            if (target >= 5)
                labels = Mutate(labels, random, steps, "labels");
            return new FuzzInput(images, labels, string.Join("; ", steps));
        }

        private static byte[] Mutate(byte[] raw, Random random, List<string> steps, string which)
        {
            bool gzip = random.Next(2) == 0;
            int rawMutations = gzip ? random.Next(0, 3) : random.Next(1, 4);
            for (int m = 0; m < rawMutations; m++)
                raw = MutateBytes(raw, random, steps, which, headerLength: 16);
            if (!gzip)
                return raw;
            byte[] compressed = IdxBytes.Gzip(raw, random.Next(2) == 0 ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            steps.Add($"{which}: gzip");
            int gzipMutations = rawMutations == 0 ? random.Next(1, 3) : random.Next(0, 2);
            for (int m = 0; m < gzipMutations; m++)
                compressed = MutateGzip(compressed, raw, random, steps, which);
            return compressed;
        }

        private static byte[] MutateBytes(byte[] bytes, Random random, List<string> steps, string which, int headerLength)
        {
            bytes = (byte[])bytes.Clone();
            int kind = random.Next(8);
            // Header bytes are where parsing decisions are made: aim half of the point mutations there.
            int At(int length) => length == 0 ? 0 : random.Next(2) == 0 ? random.Next(Math.Min(headerLength, length)) : random.Next(length);
            switch (kind)
            {
                case 0 when bytes.Length > 0:
                {
                    int at = At(bytes.Length), bit = random.Next(8);
                    bytes[at] ^= (byte)(1 << bit);
                    steps.Add($"{which}: flip bit {bit} of byte {at}");
                    return bytes;
                }
                case 1 when bytes.Length > 0:
                {
                    int at = At(bytes.Length);
                    byte value = random.Next(3) == 0 ? (byte)random.Next(256) : InterestingBytes[random.Next(InterestingBytes.Length)];
                    bytes[at] = value;
                    steps.Add($"{which}: byte {at} = 0x{value:X2}");
                    return bytes;
                }
                case 2 when bytes.Length >= 8:
                {
                    int fields = Math.Min(4, bytes.Length / 4);
                    int field = random.Next(1, fields); // a dimension size (field 0 is the magic number)
                    uint value = random.Next(3) == 0 ? (uint)random.NextInt64(uint.MaxValue + 1L)
                        : random.Next(3) == 0 ? (uint)(BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 * field)) + random.Next(-2, 3))
                        : InterestingSizes[random.Next(InterestingSizes.Length)];
                    BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4 * field), value);
                    steps.Add($"{which}: header size field {field} = {value}");
                    return bytes;
                }
                case 3 when bytes.Length >= 4:
                {
                    int at = random.Next(2, 4); // type code or rank
                    byte value = (byte)(random.Next(2) == 0 ? random.Next(256) : random.Next(0, 5) + (at == 2 ? 0x08 : 0));
                    bytes[at] = value;
                    steps.Add($"{which}: {(at == 2 ? "type code" : "rank")} = 0x{value:X2}");
                    return bytes;
                }
                case 4:
                {
                    int length = random.Next(bytes.Length + 1);
                    steps.Add($"{which}: truncate to {length} of {bytes.Length}");
                    return bytes[..length];
                }
                case 5:
                {
                    var extra = new byte[random.Next(1, 65)];
                    random.NextBytes(extra);
                    steps.Add($"{which}: append {extra.Length} bytes");
                    return [.. bytes, .. extra];
                }
                case 6:
                {
                    int at = random.Next(bytes.Length + 1);
                    var extra = new byte[random.Next(1, 9)];
                    random.NextBytes(extra);
                    steps.Add($"{which}: insert {extra.Length} bytes at {at}");
                    return [.. bytes.AsSpan(0, at), .. extra, .. bytes.AsSpan(at)];
                }
                default:
                {
                    if (bytes.Length < 2)
                        goto case 5;
                    int at = random.Next(bytes.Length - 1), length = random.Next(1, bytes.Length - at);
                    steps.Add($"{which}: delete {length} bytes at {at}");
                    return [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + length)];
                }
            }
        }

        private static byte[] MutateGzip(byte[] gzip, byte[] raw, Random random, List<string> steps, string which)
        {
            switch (random.Next(7))
            {
                case 0 when gzip.Length > 0:
                {
                    // The gzip header (10 bytes), the deflate data, or the trailer (CRC-32, length).
                    int region = random.Next(3);
                    int at = region switch
                    {
                        0 => random.Next(Math.Min(10, gzip.Length)),
                        1 => 10 + random.Next(Math.Max(1, gzip.Length - 18)),
                        _ => Math.Max(0, gzip.Length - 1 - random.Next(Math.Min(8, gzip.Length))),
                    };
                    at = Math.Min(at, gzip.Length - 1);
                    int bit = random.Next(8);
                    gzip = (byte[])gzip.Clone();
                    gzip[at] ^= (byte)(1 << bit);
                    steps.Add($"{which}: gzip flip bit {bit} of byte {at} ({(region == 0 ? "header" : region == 1 ? "deflate data" : "trailer")})");
                    return gzip;
                }
                case 1:
                {
                    int length = random.Next(gzip.Length);
                    steps.Add($"{which}: gzip truncated to {length} of {gzip.Length}");
                    return gzip[..length];
                }
                case 2:
                {
                    var extra = new byte[random.Next(1, 33)];
                    random.NextBytes(extra);
                    steps.Add($"{which}: {extra.Length} bytes after the gzip stream");
                    return [.. gzip, .. extra];
                }
                case 3 when gzip.Length >= 8:
                {
                    gzip = (byte[])gzip.Clone();
                    int field = random.Next(2);
                    uint value = random.Next(2) == 0 ? (uint)random.NextInt64(uint.MaxValue + 1L) : (uint)(raw.Length + random.Next(-2, 3));
                    BinaryPrimitives.WriteUInt32LittleEndian(gzip.AsSpan(gzip.Length - 8 + 4 * field), value);
                    steps.Add($"{which}: gzip trailer {(field == 0 ? "CRC-32" : "length")} = {value}");
                    return gzip;
                }
                case 4:
                {
                    steps.Add($"{which}: two gzip members");
                    return [.. gzip, .. gzip];
                }
                case 5 when gzip.Length >= 4:
                {
                    // FLG bits: FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT and the reserved ones.
                    gzip = (byte[])gzip.Clone();
                    byte flags = (byte)random.Next(256);
                    gzip[3] = flags;
                    steps.Add($"{which}: gzip FLG = 0x{flags:X2}");
                    return gzip;
                }
                default:
                {
                    steps.Add($"{which}: gzip inside gzip");
                    return IdxBytes.Gzip(gzip);
                }
            }
        }
    }
}
