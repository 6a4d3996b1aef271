using System.Net;

namespace MnistPipeline.Data;

/// <summary>
/// Downloads missing files from the configured mirrors, one mirror after the other, into a
/// temporary file that is verified before it gets its final name.
/// </summary>
internal sealed class MnistMirrorDownloader
{
    private const int BufferSize = 1 << 16;
    private const long ProgressStep = 1 << 20;

    private readonly MnistDownloadOptions _options;
    private readonly HttpClient _client;
    private readonly IProgress<MnistDownloadProgress>? _progress;
    // A mirror that could not be reached at all (DNS, connection, timeout) is not tried for the
    // remaining files of this call: each attempt could cost a whole timeout.
    private readonly HashSet<Uri> _unreachable = [];

    public MnistMirrorDownloader(MnistDownloadOptions options, HttpClient client, IProgress<MnistDownloadProgress>? progress)
    {
        _options = options;
        _client = client;
        _progress = progress;
    }

    /// <summary>Creates the client used when the options give none: no automatic decompression, our own timeouts.</summary>
    public static HttpClient CreateDefaultClient(MnistDownloadOptions options)
        => new(new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeout,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };

    /// <summary>Tries every mirror for <paramref name="spec"/>; returns the installed path, or null after recording why each failed.</summary>
    public async Task<string?> TryDownloadAsync(MnistFileSpec spec, string folder, List<string> problems, CancellationToken cancellationToken)
    {
        foreach (var mirror in _options.Mirrors)
        {
            if (_unreachable.Contains(mirror))
            {
                problems.Add($"{MakeUri(mirror, spec)}: skipped, the mirror was unreachable for an earlier file");
                continue;
            }
            string? installed = await TryMirrorAsync(mirror, spec, folder, problems, cancellationToken).ConfigureAwait(false);
            if (installed is not null)
                return installed;
        }
        return null;
    }

    private static Uri MakeUri(Uri mirror, MnistFileSpec spec)
    {
        var baseUri = mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
        return new Uri(baseUri, spec.Name + ".gz");
    }

    private async Task<string?> TryMirrorAsync(Uri mirror, MnistFileSpec spec, string folder, List<string> problems, CancellationToken cancellationToken)
    {
        var uri = MakeUri(mirror, spec);
        string temp = MnistFileInstaller.TempPath(folder, spec.Name + ".gz");
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            stall.CancelAfter(_options.Timeout);
            using var response = await _client.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Fail(problems, spec, uri, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                return null;
            }

            long? total = response.Content.Headers.ContentLength;
            // A valid file is never much larger than the raw data; a server that sends more is wrong.
            long limit = spec.Length + spec.Length / 64 + 65_536;
            long received = await ReceiveAsync(response, temp, limit, spec, uri, total, stall, cancellationToken).ConfigureAwait(false);
            if (received > limit)
            {
                Fail(problems, spec, uri, $"the response is larger than {limit:N0} bytes, more than any valid copy of this file");
                return null;
            }

            var check = MnistFileVerifier.Verify(temp, spec, cancellationToken);
            if (!check.IsValid)
            {
                Fail(problems, spec, uri, $"checksum mismatch: {check.Problem}");
                return null;
            }
            string installed = MnistFileInstaller.Install(temp, check.IsGzip, spec, folder, cancellationToken);
            _progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Installed, spec.Name, uri.AbsoluteUri, received, total,
                $"{spec.Name}: downloaded from {uri} and verified"));
            return installed;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _unreachable.Add(mirror);
            Fail(problems, spec, uri, $"no data received for {_options.Timeout.TotalSeconds:0.#} s (timeout)");
            return null;
        }
        catch (HttpRequestException e)
        {
            if (e.StatusCode is null)
                _unreachable.Add(mirror);
            Fail(problems, spec, uri, e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(problems, spec, uri, e.Message);
            return null;
        }
        finally
        {
            MnistFileInstaller.TryDelete(temp);
        }
    }

    private async Task<long> ReceiveAsync(HttpResponseMessage response, string temp, long limit, MnistFileSpec spec, Uri uri,
        long? total, CancellationTokenSource stall, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
        // ConfigureAwait(false) on the disposals too: Ensure blocks on this task, so no continuation
        // may wait for the caller's synchronization context.
        var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
        await using var bodyScope = body.ConfigureAwait(false);
        var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        await using var fileScope = file.ConfigureAwait(false);
        var buffer = new byte[BufferSize];
        long received = 0;
        long nextReport = 0;
        while (received <= limit)
        {
            stall.CancelAfter(_options.Timeout);
            int read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            if (read == 0)
                break;
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            received += read;
            if (received >= nextReport)
            {
                _progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Downloading, spec.Name, uri.AbsoluteUri, received, total,
                    $"{spec.Name}: {received:N0} bytes from {uri}"));
                nextReport = received + ProgressStep;
            }
        }
        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        return received;
    }

    private void Fail(List<string> problems, MnistFileSpec spec, Uri uri, string why)
    {
        problems.Add($"{uri}: {why}");
        _progress?.Report(new MnistDownloadProgress(MnistDownloadStage.SourceFailed, spec.Name, uri.AbsoluteUri, 0, null,
            $"{spec.Name}: {uri} failed: {why}"));
    }
}
