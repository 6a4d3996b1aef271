using static System.FormattableString;

namespace MnistPipeline.Sample.Serve;

/// <summary>
/// Serves the current version of a model file and replaces it when the file changes: a
/// <see cref="FileSystemWatcher"/> on the folder, plus a periodic look at the file's size and time
/// (watchers miss events on some file systems). A changed file is read once, hashed, loaded with
/// <c>LoadChecked</c> and checked; only a model that loads becomes current, atomically. Requests
/// that started on the old version finish on it, and it is disposed when the last one releases it.
/// A half-written or damaged file never replaces a working model: the failure is logged and kept in
/// <see cref="LastError"/>, and the file is tried again when it changes.
/// </summary>
internal sealed class ModelHost : IDisposable
{
    private readonly string _path;
    private readonly int _poolSize;
    private readonly TextWriter _log;
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _poll;
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private ServedModel _current;
    private (long Length, DateTime WrittenUtc) _seen;
    private int _swaps;
    private int _failedLoads;
    private string? _lastError;
    private int _disposed;

    private ModelHost(string path, int poolSize, TimeSpan pollInterval, TextWriter log, ServedModel first, (long, DateTime) seen)
    {
        _path = path;
        _poolSize = poolSize;
        _log = log;
        _current = first;
        _seen = seen;
        string folder = Path.GetDirectoryName(path)!;
        try
        {
            _watcher = new FileSystemWatcher(folder, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += (_, _) => Signal();
            _watcher.Created += (_, _) => Signal();
            _watcher.Renamed += (_, _) => Signal();
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            // Out of inotify watches, for example: the periodic check still sees every change.
            _log.WriteLine($"warning: not watching '{folder}' ({e.Message}); checking the model file every {pollInterval.TotalSeconds:0.#} s instead");
            _watcher = null;
        }
        _poll = new Timer(_ => Signal(), null, pollInterval, pollInterval);
    }

    /// <summary>The model file being served (full path).</summary>
    public string ModelPath => _path;

    /// <summary>Successful replacements since start.</summary>
    public int Swaps => Volatile.Read(ref _swaps);

    /// <summary>Changed files that did not load (the previous model kept serving).</summary>
    public int FailedLoads => Volatile.Read(ref _failedLoads);

    /// <summary>Why the last changed file did not load, if it did not; null after a successful swap.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>The version being served now (new requests get it).</summary>
    public ServedModel Current => Volatile.Read(ref _current);

    /// <summary>Loads the model file; throws as <c>LoadChecked</c> and <c>DigitModel.Load</c> do if it is missing or not a digit classifier.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not an intact model, or not a 28 x 28 digit classifier.</exception>
    public static ModelHost Open(string path, int poolSize, TimeSpan pollInterval, TextWriter log)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        var (bytes, seen) = ReadStable(full);
        var first = ServedModel.Load(bytes, path, poolSize);
        return new ModelHost(full, poolSize, pollInterval, log, first, seen);
    }

    /// <summary>
    /// A reference to the current model for one request; dispose it when the request is done.
    /// A swap between reading <see cref="Current"/> and taking the reference is retried on the new one.
    /// </summary>
    public Lease Acquire()
    {
        while (true)
        {
            var model = Volatile.Read(ref _current) ?? throw new ObjectDisposedException(nameof(ModelHost));
            if (model.TryAddReference())
                return new Lease(model);
        }
    }

    /// <summary>Looks at the file now (the watcher and the timer call this); for tests that cannot wait.</summary>
    internal Task CheckNowAsync() => CheckAsync();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _stopping.Cancel();
        _watcher?.Dispose();
        _poll.Dispose();
        // Wait for a load in progress, then release the current model: requests still running keep theirs alive.
        _checking.Wait();
        Interlocked.Exchange(ref _current, null!).Release();
        _checking.Release();
    }

    private void Signal()
    {
        if (Volatile.Read(ref _disposed) == 0)
            _ = CheckAsync();
    }

    private async Task CheckAsync()
    {
        // One check at a time; a signal during a check is covered by the check that follows it.
        try
        {
            await _checking.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (Volatile.Read(ref _disposed) == 1)
                return;
            // Let a writer finish: several events arrive for one save.
            await Task.Delay(50, _stopping.Token).ConfigureAwait(false);
            CheckOnce();
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _checking.Release();
        }
    }

    private void CheckOnce()
    {
        (long, DateTime) stamp;
        try
        {
            stamp = Stamp(_path);
        }
        catch (FileNotFoundException)
        {
            return; // between a delete and a rename: the next event brings the new file
        }
        if (stamp == _seen)
            return;

        byte[] bytes;
        try
        {
            (bytes, stamp) = ReadStable(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(Invariant($"model file '{_path}' changed but cannot be read ({e.Message}); still serving {Current.Version}"));
            return;
        }
        _seen = stamp;
        if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)) == Current.Sha256)
            return; // re-saved with the same bytes: nothing to swap

        ServedModel next;
        try
        {
            next = ServedModel.Load(bytes, _path, _poolSize);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Fail(Invariant($"model file '{_path}' changed but was not loaded: {FirstLine(e.Message)}; still serving {Current.Version}"));
            return;
        }
        var previous = Interlocked.Exchange(ref _current, next);
        Interlocked.Increment(ref _swaps);
        Volatile.Write(ref _lastError, null);
        _log.WriteLine(Invariant($"model replaced: now serving {next.Version} (was {previous.Version})"));
        previous.Release();
    }

    private void Fail(string message)
    {
        Interlocked.Increment(ref _failedLoads);
        Volatile.Write(ref _lastError, message);
        _log.WriteLine($"warning: {message}");
    }

    /// <summary>The file's bytes, read in one open, with its size and time before the read.</summary>
    private static (byte[] Bytes, (long, DateTime) Stamp) ReadStable(string path)
    {
        var stamp = Stamp(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return (bytes, stamp);
    }

    private static (long, DateTime) Stamp(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        return (info.Length, info.LastWriteTimeUtc);
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    /// <summary>A request's reference to one model version.</summary>
    internal sealed class Lease(ServedModel model) : IDisposable
    {
        private int _released;

        public ServedModel Model { get; } = model;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                Model.Release();
        }
    }
}
