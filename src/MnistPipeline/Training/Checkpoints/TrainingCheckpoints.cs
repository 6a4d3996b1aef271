using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using TorchSharp;
using static System.FormattableString;
using static TorchSharp.torch;

namespace MnistPipeline.Training.Checkpoints;

/// <summary>
/// The checkpoints of one Fit: finds and checks an existing checkpoint before training, decides
/// whether to resume (same fingerprint) or refuse, restores the module, the updater, the random
/// generators and the loop's state, writes new checkpoints atomically when the loop asks, and
/// removes the file when the Fit succeeds.
/// </summary>
/// <remarks>
/// A checkpoint holds: the module's state dictionary (<c>module/…</c>), the updater's state
/// tensors (<c>updater/…</c>) and step count, the loop's generator (shuffling, augmentation) and
/// libtorch's global generator (dropout) (<c>random/…</c>), the current epoch's row order
/// (<c>loop/permutation</c>), the best weights of early stopping (<c>best/…</c>), the loop's
/// scalars and history, and the fingerprint. Anything a Fit does before the loop (reading data,
/// splitting it, initializing) is repeated by the resumed Fit from the same seed and data, and
/// anything after the loop (export, calibration) runs once, at the end.
/// </remarks>
internal sealed partial class TrainingCheckpoints
{
    /// <summary>Test hook (fault injection, kill tests): wraps the stream a checkpoint is written to.</summary>
    internal static Func<Stream, Stream>? WrapWriteStreamForTests;

    /// <summary>Test hook: runs after a checkpoint is written and flushed, before it replaces the previous one.</summary>
    internal static Action? BeforeReplaceForTests;

    private NetworkTrainerOptions _options;

    /// <summary>Epochs planned: the options this is opened with carry the training budget's values.</summary>
    private int Epochs => _options.Epochs ?? throw new InvalidOperationException("The training budget sets Epochs before checkpoints are opened.");
    private readonly IChannel _channel;
    private CheckpointContents? _saved;
    private CheckpointFingerprint? _fingerprint;
    private int _seed;
    private long _rows;
    private NetworkModule? _module;
    private ParameterUpdater? _updater;
    private Generator? _generator;
    private Device? _device;

    private TrainingCheckpoints(string path, NetworkTrainerOptions options, IChannel channel, CheckpointContents? saved)
    {
        Path = path;
        _options = options;
        _channel = channel;
        _saved = saved;
    }

    /// <summary>The checkpoint file (full path).</summary>
    public string Path { get; }

    /// <summary>The seed of the checkpoint found at the path, or null: an unseeded Fit keeps the same rows out of training as the run it resumes.</summary>
    public int? SavedSeed => _saved?.Manifest.Seed;

    /// <summary>The options with the training budget's epochs and batch (<see cref="TrainingBudget"/>), once the data is read.</summary>
    public void UseBudget(NetworkTrainerOptions resolved) => _options = resolved;

    /// <summary>
    /// The checkpoints of a Fit with these options, or null when <see cref="NetworkTrainerOptions.CheckpointPath"/>
    /// is unset. Reads and checks a checkpoint already at the path: a damaged file throws
    /// <see cref="InvalidDataException"/> here, before any data is read.
    /// </summary>
    public static TrainingCheckpoints? Open(NetworkTrainerOptions options, IChannel channel)
    {
        if (options.CheckpointPath is null)
            return null;
        string path = System.IO.Path.GetFullPath(options.CheckpointPath);
        _ = Task.Run(WarmUp);
        RemoveLeftovers(path, channel);
        var saved = File.Exists(path) ? CheckpointFile.Read(path) : null;
        return new TrainingCheckpoints(path, options, channel, saved);
    }

    /// <summary>
    /// Compares the checkpoint found (if any) with this Fit and returns the seed to train with:
    /// the checkpoint's when resuming (also when the options leave the seed unset, so an unseeded
    /// run resumes too), else <paramref name="seed"/>. A checkpoint of another run throws
    /// <see cref="CheckpointMismatchException"/>, or is set aside with a warning
    /// (<see cref="CheckpointMismatchAction.StartAfresh"/>).
    /// </summary>
    /// <param name="fingerprint">This Fit's options and data.</param>
    /// <param name="rows">Training rows (a step checkpoint is skipped when the epoch's checkpoint follows).</param>
    /// <param name="optionSeed">The seed the options ask for, or null.</param>
    /// <param name="seed">The seed this Fit would use without a checkpoint.</param>
    public int Agree(CheckpointFingerprint fingerprint, long rows, int? optionSeed, int seed)
    {
        _rows = rows;
        if (_saved is not null)
        {
            int candidate = optionSeed ?? _saved.Manifest.Seed;
            var now = fingerprint.WithSeed(candidate);
            // The network is compared once it is built (Attach).
            var differences = now.Compare([.. _saved.Manifest.Fingerprint.Where(i => i.Name != CheckpointFingerprint.NetworkItem)]);
            if (differences.Count == 0)
            {
                _fingerprint = now;
                _seed = candidate;
                return candidate;
            }
            SetAside(differences);
        }
        _fingerprint = fingerprint.WithSeed(seed);
        _seed = seed;
        return seed;
    }

    /// <summary>
    /// Gives the checkpoints the objects they save; when resuming, restores them from the
    /// checkpoint and returns the loop's state (owned by the caller), else returns null.
    /// Call after the module is initialized and the updater created, right before the loop.
    /// </summary>
    public LoopState? Attach(NetworkModule module, ParameterUpdater updater, Generator generator, Device device)
    {
        _module = module;
        _updater = updater;
        _generator = generator;
        _device = device;
        _fingerprint = _fingerprint!.WithNetwork(module);
        if (_saved is not { } saved || !SameNetwork(saved))
            return null;
        var state = Restore(saved);
        var manifest = saved.Manifest;
        _channel.Info(MessageSensitivity.None, Invariant(
            $"Resuming from the checkpoint '{Path}' written {manifest.Written:yyyy-MM-dd HH:mm:ss} UTC ({manifest.Reason}): epoch {Math.Min(state.Epoch, Epochs)}/{Epochs}, ") +
            Invariant($"{state.Step:N0} steps done, {state.History.Count} epoch(s) complete, seed {manifest.Seed}."));
        int threads = torch.get_num_threads();
        if (manifest.Threads != threads || manifest.Device != device.ToString())
            _channel.Warning(MessageSensitivity.None, Invariant(
                $"The checkpoint was written with {manifest.Threads} thread(s) on {manifest.Device}; this Fit has {threads} on {device}. Training continues, but the weights will not be bit-identical to an uninterrupted run."));
        saved.ReleaseData();
        _saved = null;
        return state;
    }

    /// <summary>
    /// Whether the checkpoint's network is the one built for this Fit (same kind, image shape,
    /// layers and sizes); else fails, or sets the checkpoint aside, as <see cref="Agree"/> does.
    /// </summary>
    private bool SameNetwork(CheckpointContents saved)
    {
        var differences = _fingerprint!.Compare(saved.Manifest.Fingerprint).Where(d => d.Item == CheckpointFingerprint.NetworkItem).ToList();
        if (differences.Count == 0)
            return true;
        SetAside(differences);
        return false;
    }

    /// <summary>The checkpoint is another run's: throws naming the differences, or (StartAfresh) warns and forgets it.</summary>
    private void SetAside(IReadOnlyList<CheckpointDifference> differences)
    {
        if (_options.CheckpointMismatch == CheckpointMismatchAction.Fail)
            throw new CheckpointMismatchException(Path, differences);
        _channel.Warning(MessageSensitivity.None,
            $"The checkpoint '{Path}' belongs to another training run ({string.Join("; ", differences)}); CheckpointMismatch is StartAfresh, so training starts from the beginning and the next checkpoint replaces it.");
        _saved = null;
    }

    /// <summary>Whether a step checkpoint (<see cref="AfterStep"/>) is due at this point: every <see cref="NetworkTrainerOptions.CheckpointEveryNSteps"/> steps, not at an epoch's last step (the epoch's own follows).</summary>
    public bool IsStepCheckpointDue(LoopState state)
        => _options.CheckpointEveryNSteps is int every && state.Step % every == 0 && state.NextRow < _rows;

    /// <summary>After a step whose checkpoint <see cref="IsStepCheckpointDue"/>, once the loop has read its meters.</summary>
    public void AfterStep(LoopState state) => Save(state, "step");

    /// <summary>After every epoch (and after early stopping decided to stop).</summary>
    public void AfterEpoch(LoopState state) => Save(state, "epoch");

    /// <summary>
    /// Training was cancelled between steps: writes a checkpoint of that moment and returns the
    /// exception to throw instead of <paramref name="cancellation"/>; null to rethrow it (the
    /// option is off, or the write failed: then a warning says so and the previous checkpoint stays).
    /// </summary>
    public TrainingCanceledException? OnCancelled(LoopState state, OperationCanceledException cancellation)
    {
        if (!_options.CheckpointOnCancellation || _module is null)
            return null;
        try
        {
            Save(state, "cancellation");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _channel.Warning(MessageSensitivity.None, $"Training was canceled, but its checkpoint could not be written: {e.Message}");
            return null;
        }
        return new TrainingCanceledException(Path, state.Epoch, state.Step, cancellation);
    }

    /// <summary>The Fit succeeded: removes the checkpoint unless <see cref="NetworkTrainerOptions.KeepCheckpoint"/>.</summary>
    public void Complete()
    {
        if (_options.KeepCheckpoint || !File.Exists(Path))
            return;
        File.Delete(Path);
        _channel.Info(MessageSensitivity.None, $"Training finished: the checkpoint '{Path}' was removed (set KeepCheckpoint to keep it).");
    }

    private void Save(LoopState state, string reason)
    {
        if (state.Meters.HasPending)
            throw new InvalidOperationException("A checkpoint was asked for before the loop read its meters.");
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var tensors = new List<(string Name, Tensor Tensor)>();
        foreach (var (name, tensor) in _module!.state_dict())
            tensors.Add(("module/" + name, OnCpu(tensor)));
        foreach (var (name, tensor) in _updater!.State)
            tensors.Add(("updater/" + name, OnCpu(tensor)));
        tensors.Add((GeneratorEntry, _generator!.get_state()));
        tensors.Add((GlobalGeneratorEntry, torch.random.get_rng_state()));
        if (state.Permutation is not null)
            tensors.Add((PermutationEntry, OnCpu(state.Permutation)));
        if (state.BestWeights is not null)
            foreach (var (name, tensor) in state.BestWeights)
                tensors.Add((BestPrefix + name, OnCpu(tensor)));

        var manifest = new CheckpointManifest
        {
            Reason = reason,
            Written = DateTimeOffset.UtcNow,
            Seed = _seed,
            Threads = torch.get_num_threads(),
            Device = _device!.ToString(),
            Fingerprint = [.. _fingerprint!.Items],
            Loop = Record(state),
            UpdaterSteps = _updater.StepCount,
        };
        string? folder = System.IO.Path.GetDirectoryName(Path);
        if (folder is not null)
            Directory.CreateDirectory(folder);
        long length = 0;
        ModelFileExtensions.SaveAtomically(Path,
            stream =>
            {
                CheckpointFile.Write(WrapWriteStreamForTests?.Invoke(stream) ?? stream, manifest, tensors);
                length = stream.Length;
            },
            stream =>
            {
                CheckWritten(stream);
                BeforeReplaceForTests?.Invoke();
            });
        string where = state.NextRow == 0 && state.History.Count > 0 ? Invariant($"after epoch {state.History.Count}") : Invariant($"in epoch {state.Epoch}");
        var message = Invariant($"Checkpoint ({reason}) {where}, step {state.Step:N0}: {length / 1e6:F2} MB written in {clock.Elapsed.TotalMilliseconds:F1} ms.");
        if (reason == "step")
            _channel.Trace(MessageSensitivity.None, message);
        else
            _channel.Info(MessageSensitivity.None, message);
    }

    /// <summary>Reads the file back before it replaces the previous checkpoint: a write that went wrong never does.</summary>
    private void CheckWritten(Stream stream)
    {
        try
        {
            CheckpointFile.Read(stream, Path, keepData: false);
        }
        catch (InvalidDataException e)
        {
            throw new IOException($"Writing the checkpoint '{Path}' failed: the file written does not read back ({e.Message}) The previous checkpoint, if any, is unchanged.", e);
        }
    }

    private const string GeneratorEntry = "random/generator";
    private const string GlobalGeneratorEntry = "random/global";
    private const string PermutationEntry = "loop/permutation";
    private const string ModulePrefix = "module/";
    private const string UpdaterPrefix = "updater/";
    private const string BestPrefix = "best/";

    private static Tensor OnCpu(Tensor tensor)
    {
        var detached = tensor.detach();
        return detached.device.type == DeviceType.CPU ? detached.contiguous() : detached.cpu().contiguous();
    }

    private static CheckpointManifest.LoopRecord Record(LoopState state) => new()
    {
        Epoch = state.Epoch,
        NextRow = state.NextRow,
        Step = state.Step,
        EpochLossSum = state.Meters.EpochLossSum,
        EpochCorrect = state.Meters.EpochCorrect,
        WindowCorrect = state.Meters.WindowCorrect,
        WindowSeen = state.Meters.WindowRows,
        BestValidationLoss = state.BestValidationLoss,
        EpochsSinceBest = state.EpochsSinceBest,
        StoppedEarly = state.StoppedEarly,
        Elapsed = state.Elapsed,
        EpochElapsed = state.EpochElapsed,
        History = [.. state.History],
    };

    /// <summary>Puts the checkpoint's tensors into the module, the updater and the generators; builds the loop's state.</summary>
    private LoopState Restore(CheckpointContents saved)
    {
        var manifest = saved.Manifest;
        var loop = manifest.Loop;
        CheckLoop(saved);
        using (torch.no_grad())
        {
            var stateDict = _module!.state_dict();
            CheckNames(saved, ModulePrefix, stateDict.Keys, "the network");
            foreach (var (name, tensor) in stateDict)
            {
                using var value = saved.TensorLike(ModulePrefix + name, tensor);
                tensor.copy_(value);
            }
            var updaterState = _updater!.State;
            CheckNames(saved, UpdaterPrefix, updaterState.Select(s => s.Name), "the optimizer");
            foreach (var (name, tensor) in updaterState)
            {
                using var value = saved.TensorLike(UpdaterPrefix + name, tensor);
                tensor.copy_(value);
            }
            _updater.StepCount = manifest.UpdaterSteps;
        }
        using (var generatorState = saved.Tensor(GeneratorEntry))
            _generator!.set_state(generatorState);
        using (var globalState = saved.Tensor(GlobalGeneratorEntry))
            torch.random.set_rng_state(globalState);

        var state = new LoopState
        {
            Epoch = loop.Epoch,
            NextRow = loop.NextRow,
            Step = loop.Step,
            BestValidationLoss = loop.BestValidationLoss,
            EpochsSinceBest = loop.EpochsSinceBest,
            StoppedEarly = loop.StoppedEarly,
            ElapsedBefore = loop.Elapsed,
            EpochElapsedBefore = loop.EpochElapsed,
        };
        state.History.AddRange(loop.History);
        state.Meters.Restore(loop.EpochLossSum, loop.EpochCorrect, loop.WindowCorrect, loop.WindowSeen);
        try
        {
            if (saved.Has(PermutationEntry))
            {
                var permutation = saved.Tensor(PermutationEntry);
                state.Permutation = permutation;
                if (permutation.dtype != ScalarType.Int64 || permutation.shape is not [var n] || n != _rows)
                    throw CheckpointFile.Damaged(Path, Invariant($"entry '{PermutationEntry}' is not an order of the {_rows:N0} training rows"));
                if (_device!.type != DeviceType.CPU)
                {
                    state.Permutation = permutation.to(_device);
                    permutation.Dispose();
                }
            }
            var best = saved.Names(BestPrefix);
            if (best.Count > 0)
            {
                var weights = _module.WeightsAndBuffers().ToList();
                CheckNames(saved, BestPrefix, weights.Select(w => w.Name), "the network's parameters and buffers");
                state.BestWeights = weights.ToDictionary(w => w.Name, w => saved.TensorLike(BestPrefix + w.Name, w.Tensor));
            }
        }
        catch
        {
            state.Dispose();
            throw;
        }
        return state;
    }

    /// <summary>The loop's scalars must describe a point of this training (a damaged manifest would have failed its CRC; this catches a foreign one).</summary>
    private void CheckLoop(CheckpointContents saved)
    {
        var loop = saved.Manifest.Loop;
        if (loop.Epoch < 1 || loop.Epoch > Epochs + 1 || loop.NextRow < 0 || loop.NextRow > _rows || loop.Step < 0
            || loop.History.Count != loop.Epoch - 1 || (_options.Shuffle && loop.NextRow > 0 && !saved.Has(PermutationEntry)))
            throw CheckpointFile.Damaged(Path, Invariant($"its loop state (epoch {loop.Epoch}, row {loop.NextRow}, step {loop.Step}, {loop.History.Count} epochs of history) is not a point of this training ({Epochs} epochs of {_rows:N0} rows)"));
    }

    private void CheckNames(CheckpointContents saved, string prefix, IEnumerable<string> expected, string what)
    {
        var stored = saved.Names(prefix);
        var wanted = expected.ToArray();
        if (!stored.SequenceEqual(wanted))
            throw CheckpointFile.Damaged(Path,
                $"its '{prefix}' entries ({string.Join(", ", stored)}) are not those of {what} ({string.Join(", ", wanted)})");
    }

    /// <summary>
    /// Compiles the writer and the reader (JSON, CRC-32) on another thread while the Fit reads its
    /// data, so that the first checkpoint of a process does not pay for it inside an epoch (it took
    /// hundreds of milliseconds under load, against a budget of 2% of an epoch). Only an
    /// optimization: a failure here shows again, and is reported, at the first real write.
    /// </summary>
    private static void WarmUp()
    {
        try
        {
            var manifest = new CheckpointManifest
            {
                Fingerprint = [new("warm-up", "")],
                Loop = new CheckpointManifest.LoopRecord { History = [new EpochMetrics(1, 1, 0, 0, 0, 0, 0, TimeSpan.Zero)] },
            };
            using var stream = new MemoryStream();
            CheckpointFile.Write(stream, manifest, []);
            stream.Position = 0;
            CheckpointFile.Read(stream, "warm-up", keepData: false);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or System.Text.Json.JsonException)
        {
            // Reported by the first real write, if it fails there too.
        }
    }

    /// <summary>
    /// A checkpoint write killed before its rename leaves its temporary file (".name.&lt;guid&gt;.tmp",
    /// as <see cref="ModelFileExtensions"/> names them) next to the checkpoint; the next Fit removes it.
    /// </summary>
    private static void RemoveLeftovers(string path, IChannel channel)
    {
        string? folder = System.IO.Path.GetDirectoryName(path);
        if (folder is null || !Directory.Exists(folder))
            return;
        string prefix = "." + System.IO.Path.GetFileName(path) + ".";
        foreach (string file in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            string name = System.IO.Path.GetFileName(file);
            if (!LeftoverGuid().IsMatch(name[prefix.Length..]))
                continue;
            try
            {
                File.Delete(file);
                channel.Info(MessageSensitivity.None, $"Removed '{file}', left by a checkpoint write that did not finish.");
            }
            catch (IOException)
            {
                // In use or gone already: not ours to insist on.
            }
        }
    }

    [GeneratedRegex("^[0-9a-f]{32}\\.tmp$")]
    private static partial Regex LeftoverGuid();
}
