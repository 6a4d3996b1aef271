using System.Globalization;
using System.IO.Compression;
using System.Xml.Linq;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Packaging;

/// <summary>
/// A folder outside the repository, once per test run: the two packages packed from this
/// repository into a local folder feed, and the consumer apps of
/// <c>Packaging/ConsumerApps</c> copied beside a <c>nuget.config</c> that adds that feed to the
/// machine's configured sources (it names no other source and clears none).
/// </summary>
/// <remarks>
/// The packages get a version of their own, <c>{VersionPrefix}-ci.{UTC time}.{process id}</c>:
/// NuGet's global packages folder keys packages by id and version, so a version used once can
/// never meet bits cached by an earlier run (the same id and version would be taken from the
/// cache without looking at the feed), and test runs in several worktrees at once do not meet
/// either. The alternative, a private packages folder for the apps, would copy the 1 GB of
/// libtorch and ONNX Runtime packages on every run. <see cref="Delete"/> removes this version
/// from the global packages folder again.
/// </remarks>
internal sealed class ConsumerWorkspace
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    private static readonly Lazy<ConsumerWorkspace> s_current = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    private ConsumerWorkspace(string root, string version, TimeSpan packTime)
    {
        Root = root;
        Version = version;
        PackTime = packTime;
    }

    /// <summary>The workspace of this test run, packed on first use.</summary>
    public static ConsumerWorkspace Current => s_current.Value;

    public string Root { get; }

    /// <summary>The version both packages were packed with.</summary>
    public string Version { get; }

    public TimeSpan PackTime { get; }

    public string Feed => Path.Combine(Root, "feed");

    public string Apps => Path.Combine(Root, "apps");

    public string AppFolder(string app) => Path.Combine(Apps, app);

    public string Package(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    /// <summary>The NuGet global packages folder, which the consumer apps share with the repository.</summary>
    public static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>
    /// `dotnet build`, `publish`, … of a consumer app, with the packages' version passed in. A
    /// version nobody has cached makes NuGet ask every source for it; a configured source that
    /// does not answer is tolerated (a warning), as the local feed has it and the repository's
    /// restore has cached everything else.
    /// </summary>
    public DotnetCli.Result Dotnet(string app, params string[] args)
        => DotnetCli.Run(AppFolder(app), CommandTimeout,
            [.. args, .. DotnetCli.IsolatedBuild, $"-p:MnistPipelineVersion={Version}", "-p:RestoreIgnoreFailedSources=true"]);

    /// <summary>Runs a built app (`dotnet App.dll args`) from its folder.</summary>
    public static DotnetCli.Result RunApp(string dll, TimeSpan timeout, params string[] args)
        => DotnetCli.Run(Path.GetDirectoryName(dll)!, timeout, [dll, .. args]);

    /// <summary>Deletes the workspace and this run's packages from the global packages folder, if they were made.</summary>
    public static void Delete()
    {
        if (!s_current.IsValueCreated)
            return;
        var workspace = s_current.Value;
        foreach (string id in new[] { "mnistpipeline", "mnistpipeline.scoring" })
        {
            string versions = Path.Combine(GlobalPackagesFolder, id);
            TryDelete(Path.Combine(versions, workspace.Version.ToLowerInvariant()));
            if (Directory.Exists(versions) && !Directory.EnumerateFileSystemEntries(versions).Any())
                TryDelete(versions); // only when empty: another run may have its own version there
        }
        TryDelete(workspace.Root);
    }

    private static ConsumerWorkspace Create()
    {
        string root = Directory.CreateTempSubdirectory("mnistpipeline-consumers-").FullName;
        string repository = TestWorker.RepositoryRoot();
        string suffix = string.Create(CultureInfo.InvariantCulture, $"ci.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}");
        try
        {
            // The README's pack command, with this run's version label; outputs go to the
            // workspace (artifacts path), not to the repository's bin and obj folders.
            var pack = DotnetCli.Run(repository, CommandTimeout,
                ["pack", Path.Combine(repository, "MlNetMnist.sln"), "-c", "Release",
                 $"-p:VersionSuffix={suffix}", $"-p:PackageOutputPath={Path.Combine(root, "feed")}",
                 "--artifacts-path", Path.Combine(root, "pack"), .. DotnetCli.IsolatedBuild]);
            if (!pack.Succeeded)
                throw new InvalidOperationException($"Packing failed: {pack}");

            string version = PackedVersion(Path.Combine(root, "feed"));
            var workspace = new ConsumerWorkspace(root, version, pack.Elapsed);
            CopyDirectory(Path.Combine(repository, "tests", "MnistPipeline.Tests", "Packaging", "ConsumerApps"), workspace.Apps);
            File.WriteAllText(Path.Combine(workspace.Apps, "nuget.config"), NuGetConfig(workspace.Feed));
            return workspace;
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>Adds the local feed; the machine's configured sources still apply (nothing is cleared).</summary>
    private static string NuGetConfig(string feed) =>
        new XDocument(
            new XElement("configuration",
                new XElement("packageSources",
                    new XElement("add", new XAttribute("key", "mnistpipeline-local"), new XAttribute("value", feed))))).ToString();

    private static string PackedVersion(string feed)
    {
        string nupkg = Directory.GetFiles(feed, "MnistPipeline.*.nupkg").Single(f => !Path.GetFileName(f).StartsWith("MnistPipeline.Scoring.", StringComparison.Ordinal));
        using var archive = ZipFile.OpenRead(nupkg);
        using var nuspec = archive.GetEntry("MnistPipeline.nuspec")!.Open();
        var document = XDocument.Load(nuspec);
        return document.Descendants().Single(e => e.Name.LocalName == "version").Value;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
                continue;
            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary folder must not fail the run; the next run uses its own names.
        }
    }
}
