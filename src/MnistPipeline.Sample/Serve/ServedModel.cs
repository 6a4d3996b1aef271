using System.Security.Cryptography;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Sample.Model;
using static System.FormattableString;

namespace MnistPipeline.Sample.Serve;

/// <summary>
/// One loaded version of the model file, with its pool of PredictionEngines, shared by requests
/// through a reference count: the <see cref="ModelHost"/> holds one reference while this version is
/// current, each request holds one while it predicts, and the last one released disposes the
/// engines and the model (its ONNX Runtime session and temporary file).
/// </summary>
internal sealed class ServedModel
{
    private readonly DigitModel _model;
    private readonly ObjectPool<PredictionEngine<ImageRow, ScoredRow>> _engines;
    private int _references = 1;

    private ServedModel(DigitModel model, string sha256, DateTimeOffset loadedAt, int poolSize)
    {
        _model = model;
        Sha256 = sha256;
        LoadedAt = loadedAt;
        Version = Invariant($"{sha256[..12]}-{loadedAt.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}");
        var ml = new MLContext();
        _engines = new DefaultObjectPoolProvider { MaximumRetained = poolSize }.Create(new EnginePolicy(ml, model.Transformer));
    }

    /// <summary>SHA-256 of the file's bytes, hex.</summary>
    public string Sha256 { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>The first 12 hex digits of the file's SHA-256 and the load time (UTC), e.g. <c>3f2a9c1b7d4e-20261129T094412Z</c>.</summary>
    public string Version { get; }

    /// <summary>Labels by class index (the order of the probabilities).</summary>
    public IReadOnlyList<string> ClassNames => _model.ClassNames;

    /// <summary>Whether the model has been disposed (its last reference released); for tests.</summary>
    internal bool IsDisposed => Volatile.Read(ref _references) == 0;

    /// <summary>
    /// Loads a private copy of the model file (so that the hash and the loaded bytes are the same
    /// file, whatever happens to the path meanwhile) and checks it is a digit classifier.
    /// </summary>
    /// <exception cref="InvalidDataException">Not an intact model, or not a 28 x 28 digit classifier.</exception>
    public static ServedModel Load(byte[] fileBytes, string displayPath, int poolSize)
    {
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(fileBytes));
        string copy = Path.Combine(Path.GetTempPath(), $"mnistpipeline-serve-{Guid.NewGuid():N}.zip");
        try
        {
            File.WriteAllBytes(copy, fileBytes);
            var model = DigitModel.Load(new MLContext(), copy);
            return new ServedModel(model, sha256, DateTimeOffset.UtcNow, poolSize);
        }
        catch (Exception e) when (e is InvalidDataException && e.Message.Contains(copy, StringComparison.Ordinal))
        {
            // Name the file the user knows, not the private copy.
            throw new InvalidDataException(e.Message.Replace(copy, displayPath, StringComparison.Ordinal), e.InnerException);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    /// <summary>Takes a reference unless the model is already disposed (then the caller reads the host's current model again).</summary>
    public bool TryAddReference()
    {
        while (true)
        {
            int references = Volatile.Read(ref _references);
            if (references == 0)
                return false;
            if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
                return true;
        }
    }

    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            (_engines as IDisposable)?.Dispose();
            _model.Dispose();
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A served model was released more often than it was referenced.");
        }
    }

    /// <summary>One prediction with an engine borrowed from the pool (call with a reference held).</summary>
    public DigitPrediction Predict(byte[] pixels)
    {
        var engine = _engines.Get();
        try
        {
            var scored = engine.Predict(new ImageRow { Image = pixels });
            return DigitPrediction.From(scored.Score, scored.PredictedLabel, ClassNames);
        }
        finally
        {
            _engines.Return(engine);
        }
    }

    /// <summary>Engines share the model and must not dispose it (ML.NET's default would).</summary>
    private sealed class EnginePolicy(MLContext ml, ITransformer model) : PooledObjectPolicy<PredictionEngine<ImageRow, ScoredRow>>
    {
        public override PredictionEngine<ImageRow, ScoredRow> Create()
            => ml.Model.CreatePredictionEngine<ImageRow, ScoredRow>(model, new PredictionEngineOptions { OwnsTransformer = false });

        public override bool Return(PredictionEngine<ImageRow, ScoredRow> obj) => true;
    }

    internal sealed class ImageRow
    {
        [VectorType(DigitModel.Side, DigitModel.Side)]
        public byte[] Image { get; set; } = [];
    }

    internal sealed class ScoredRow
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
