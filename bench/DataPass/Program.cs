// Usage: dotnet run --project bench/DataPass -c Release -- [raw|gzip] [passes]
// raw:  the verified files from MnistFiles.Ensure() (memory-mapped by cursors).
// gzip: the same files gzip-compressed into a temp folder first (inflated into memory at load).
// One mode per process, so that the peak working set belongs to that mode alone.
using System.Diagnostics;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Data;
using MnistPipeline.Transforms;

string mode = args.Length > 0 ? args[0] : "raw";
int passes = args.Length > 1 ? int.Parse(args[1]) : 10;
var files = MnistFiles.Ensure();
string images = files.TrainImages, labels = files.TrainLabels;
string? temp = null;
if (mode == "gzip")
{
    temp = Directory.CreateTempSubdirectory("mnist-bench-").FullName;
    images = Compress(files.TrainImages, Path.Combine(temp, "train-images-idx3-ubyte.gz"));
    labels = Compress(files.TrainLabels, Path.Combine(temp, "train-labels-idx1-ubyte.gz"));
}
else if (mode != "raw")
{
    Console.Error.WriteLine("mode must be raw or gzip");
    return 2;
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

var full = Measure("full pass, Label + Image, file order", passes, () => Pass(train, null));
Measure("full pass, Label + Image, shuffled", passes, () => Pass(train, new Random(1)));
var features = ml.Transforms.ScalePixels("Pixels", "Image").Append(ml.Transforms.FlattenImage("Features", "Pixels")).Fit(train).Transform(train);
Measure("full pass, Label + Features (ScalePixels + FlattenImage)", Math.Max(1, passes / 3), () => FeaturesPass(features));
self.Refresh();
Console.WriteLine($"  peak working set of the process at the end: {self.PeakWorkingSet64 / 1e6:F1} MB");
if (temp is not null)
    Directory.Delete(temp, recursive: true);
return 0;

static double[] Measure(string what, int passes, Func<long> pass)
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
    return times;
}

static long Pass(IDataView data, Random? random)
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

static long FeaturesPass(IDataView data)
{
    var label = data.Schema["Label"];
    var features = data.Schema["Features"];
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

static string Compress(string source, string destination)
{
    using var input = File.OpenRead(source);
    using var output = File.Create(destination);
    using var gzip = new GZipStream(output, CompressionLevel.Optimal);
    input.CopyTo(gzip);
    return destination;
}
