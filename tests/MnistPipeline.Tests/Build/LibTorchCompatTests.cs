using System.IO.Compression;
using System.Security.Cryptography;

namespace MnistPipeline.Tests.Build;

/// <summary>
/// The build step of build/LibTorchCompat.targets: the output copy of libLibTorchSharp.so is
/// patched where the system libstdc++ needs it, and the NuGet cache copy is never changed.
/// </summary>
[TestClass]
public sealed class LibTorchCompatTests
{
    private const string Library = "libLibTorchSharp.so";
    private const string Version = "GLIBCXX_3.4.32";

    public TestContext TestContext { get; set; } = null!;

    private static string OutputCopy =>
        Directory.GetFiles(AppContext.BaseDirectory, Library, SearchOption.AllDirectories).Single();

    private static string PackageDirectory
    {
        get
        {
            string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            string version = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
            return Path.Combine(root, "torchsharp", version);
        }
    }

    /// <summary>True where the system's libstdc++ lacks the version, i.e. where the step must patch.</summary>
    internal static bool SystemNeedsPatch()
    {
        string? libstdcxx = ElfVersionNeed.FindSystemLibStdCxx();
        return libstdcxx is not null && !ElfVersionNeed.LibraryDefinesVersion(libstdcxx, Version);
    }

    [TestMethod]
    public void OutputCopy_AfterBuild_IsWeakExactlyWhenSystemLacksVersion()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("The compatibility step only runs on Linux.");
        ushort? flags = ElfVersionNeed.ReadFlags(OutputCopy, Version);
        Assert.IsNotNull(flags, $"{Library} is expected to require {Version}");
        bool weak = (flags.Value & ElfVersionNeed.WeakFlag) != 0;
        Assert.AreEqual(SystemNeedsPatch(), weak, $"{OutputCopy}: weak={weak}");
    }

    [TestMethod]
    public void PackageCacheCopy_AfterBuild_IsByteIdenticalToPackage()
    {
        string cached = Path.Combine(PackageDirectory, "runtimes", "linux-x64", "native", Library);
        string nupkg = Directory.GetFiles(PackageDirectory, "*.nupkg").Single();
        using var archive = ZipFile.OpenRead(nupkg);
        var entry = archive.GetEntry($"runtimes/linux-x64/native/{Library}");
        Assert.IsNotNull(entry, $"{nupkg} carries {Library}");
        using var packaged = entry.Open();

        CollectionAssert.AreEqual(SHA256.HashData(packaged), SHA256.HashData(File.ReadAllBytes(cached)),
            $"{cached} must be the package's bytes");
        Assert.AreEqual((ushort)0, ElfVersionNeed.ReadFlags(cached, Version), "the cache copy keeps a strong requirement");
    }

    [TestMethod]
    public void MarkWeak_CopyOfPackageLibrary_SetsOnlyTheFlagAndIsIdempotent()
    {
        string cached = Path.Combine(PackageDirectory, "runtimes", "linux-x64", "native", Library);
        string copy = Path.Combine(TestContext.TestRunResultsDirectory ?? Path.GetTempPath(), $"{Guid.NewGuid():N}-{Library}");
        File.Copy(cached, copy);
        try
        {
            byte[] before = File.ReadAllBytes(copy);

            Assert.IsTrue(ElfVersionNeed.MarkWeak(copy, Version), "first run changes the file");
            Assert.IsFalse(ElfVersionNeed.MarkWeak(copy, Version), "second run finds nothing to do");

            byte[] after = File.ReadAllBytes(copy);
            Assert.HasCount(before.Length, after);
            int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.HasCount(1, changed, "exactly one byte (the low byte of vna_flags) changes");
            Assert.AreEqual(ElfVersionNeed.WeakFlag, ElfVersionNeed.ReadFlags(copy, Version));
            Assert.IsFalse(ElfVersionNeed.MarkWeak(copy, "GLIBCXX_9.9.99"), "a version that is not required is left alone");
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [TestMethod]
    public void ReadFlags_NotAnElfFile_ThrowsInvalidDataNamingTheFile()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a shared library, just text long enough to hold an ELF header.....");
            var error = Assert.ThrowsExactly<InvalidDataException>(() => ElfVersionNeed.ReadFlags(path, Version));
            StringAssert.Contains(error.Message, path);
            StringAssert.Contains(error.Message, "not an ELF file");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
