using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Transforms;

namespace MnistPipeline.Bench.DataPass;

/// <summary>
/// <c>datapass [raw|gzip] [passes]</c> (formerly bench/DataPass): MNIST load time, memory while
/// loading, and full-pass times of the training set. raw: the verified files from
/// <c>MnistFiles.Ensure()</c> (memory-mapped by cursors); gzip: the same files gzip-compressed
/// into a temp folder first (inflated into memory at load). One mode per process, so that the
/// peak working set belongs to that mode alone. See docs/data.md.
/// </summary>
internal static class DataPassCommand
{
    public static int Run(IReadOnlyList<string> args, string? dataDirectory)
    {
        string mode = args.Count > 0 ? args[0] : "raw";
        int passes = args.Count > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
        if (mode is not ("raw" or "gzip"))
        {
            Console.Error.WriteLine("mode must be raw or gzip");
            return 2;
        }
        var files = MnistFiles.Ensure(dataDirectory);
        string images = files.TrainImages, labels = files.TrainLabels;
        string? temp = null;
        if (mode == "gzip")
        {
            temp = Directory.CreateTempSubdirectory("mnist-bench-").FullName;
            images = Compress(files.TrainImages, Path.Combine(temp, "train-images-idx3-ubyte.gz"));
            labels = Compress(files.TrainLabels, Path.Combine(temp, "train-labels-idx1-ubyte.gz"));
        }

        var ml = new MLContext(seed: 1);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        long rssBefore = self.WorkingSet64;
        long peakBefore = self.PeakWorkingSet64;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var loadTime = Stopwatch.StartNew();
        var train = ml.Data.LoadMnist(images, labels);
        loadTime.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        self.Refresh();
        Console.WriteLine($"mode {mode}: {train.GetRowCount():N0} rows; load {loadTime.Elapsed.TotalMilliseconds:F1} ms");
        Console.WriteLine($"  load: managed bytes allocated {allocated / 1e6:F2} MB, managed heap {(GC.GetTotalMemory(false) - heapBefore) / 1e6:F2} MB more");
        Console.WriteLine($"  working set before load {rssBefore / 1e6:F1} MB, after load {self.WorkingSet64 / 1e6:F1} MB, peak so far {self.PeakWorkingSet64 / 1e6:F1} MB (peak before load {peakBefore / 1e6:F1} MB)");

        Measure("full pass, Label + Image, file order", passes, () => Pass(train, null));
        Measure("full pass, Label + Image, shuffled", passes, () => Pass(train, new Random(1)));
        var features = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Fit(train).Transform(train);
        Measure("full pass, Label + Features (ScalePixels + FlattenImage)", Math.Max(1, passes / 3), () => FeaturesPass(features));
        self.Refresh();
        Console.WriteLine($"  peak working set of the process at the end: {self.PeakWorkingSet64 / 1e6:F1} MB");
        if (temp is not null)
            Directory.Delete(temp, recursive: true);
        return 0;
    }

    private static void Measure(string what, int passes, Func<long> pass)
    {
        pass(); // warm-up: JIT and page cache
        var times = new double[passes];
        long checksum = 0;
        for (int i = 0; i < passes; i++)
        {
            var watch = Stopwatch.StartNew();
            checksum += pass();
            times[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine($"  {what}: median {times[passes / 2]:F1} ms, min {times[0]:F1} ms, max {times[^1]:F1} ms over {passes} passes (checksum {checksum})");
    }

    /// <summary>One pass reading Label and Image of every row; returns a checksum so the reads cannot be skipped.</summary>
    public static long Pass(IDataView data, Random? random)
    {
        var label = data.Schema["Label"];
        var image = data.Schema["Image"];
        using var cursor = data.GetRowCursor([label, image], random);
        var labelGetter = cursor.GetGetter<uint>(label);
        var imageGetter = cursor.GetGetter<VBuffer<byte>>(image);
        uint key = 0;
        VBuffer<byte> pixels = default;
        long sum = 0;
        while (cursor.MoveNext())
        {
            labelGetter(ref key);
            imageGetter(ref pixels);
            sum += key + pixels.GetValues()[400];
        }
        return sum;
    }

    /// <summary>One pass reading Label and a float vector column of every row; returns a checksum.</summary>
    public static long FeaturesPass(IDataView data, string column = "Features")
    {
        var label = data.Schema["Label"];
        var features = data.Schema[column];
        using var cursor = data.GetRowCursor([label, features]);
        var labelGetter = cursor.GetGetter<uint>(label);
        var featureGetter = cursor.GetGetter<VBuffer<float>>(features);
        uint key = 0;
        VBuffer<float> values = default;
        long sum = 0;
        while (cursor.MoveNext())
        {
            labelGetter(ref key);
            featureGetter(ref values);
            sum += key + (long)(values.GetItemOrDefault(400) * 255);
        }
        return sum;
    }

    private static string Compress(string source, string destination)
    {
        using var input = File.OpenRead(source);
        using var output = File.Create(destination);
        using var gzip = new GZipStream(output, CompressionLevel.Optimal);
        input.CopyTo(gzip);
        return destination;
    }
}
