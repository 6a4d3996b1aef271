using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// A data view read once into two contiguous tensors: features [rows, d] (Float32) and targets
/// [rows]: Int64 0-based class indices (key − 1) for key labels, Float32 otherwise (1/0 for
/// Boolean). Memory: 4·d bytes + 8 bytes per row, e.g. 60,000 MNIST rows × 784 features ≈ 188 MB + 0.5 MB.
/// </summary>
/// <remarks>
/// Rows whose label is missing (key 0, or a Single that is NaN or infinite) or whose features are
/// not all finite are skipped and counted, as ML.NET's trainers do with missing labels.
/// </remarks>
internal sealed class TensorDataset : IDisposable
{
    private const int ChunkRows = 4096;

    private TensorDataset(Tensor features, Tensor labels, long skippedMissingLabel, long skippedNonFinite)
    {
        Features = features;
        Labels = labels;
        SkippedMissingLabel = skippedMissingLabel;
        SkippedNonFinite = skippedNonFinite;
    }

    public Tensor Features { get; }
    public Tensor Labels { get; }
    public long Count => Labels.shape[0];
    public long SkippedMissingLabel { get; }
    public long SkippedNonFinite { get; }

    /// <summary>
    /// Reads <paramref name="data"/> once: the features and the label of <paramref name="labelKind"/>.
    /// For key labels, <paramref name="classCount"/> is the key count (keys above it are an error).
    /// </summary>
    public static TensorDataset Load(IDataView data, string featureColumn, int featureCount, string labelColumn,
        LabelKind labelKind, int classCount, Device device, CancellationToken cancellationToken)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        var rows = new RowSink(data.GetRowCount(), featureCount);
        var labels = new LabelSink(labelKind, (int)Math.Min(data.GetRowCount() ?? 0, int.MaxValue));
        long missingLabel = 0, nonFinite = 0;
        var row = new float[featureCount];

        try
        {
            using var cursor = data.GetRowCursor([features, label]);
            var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
            var readLabel = LabelReader(cursor, label, labelKind, classCount);
            var buffer = default(VBuffer<float>);
            while (cursor.MoveNext())
            {
                if ((cursor.Position & 1023) == 0)
                    cancellationToken.ThrowIfCancellationRequested();
                if (readLabel() is not double target)
                {
                    missingLabel++;
                    continue;
                }
                getFeatures(ref buffer);
                if (buffer.Length != featureCount)
                    throw new InvalidOperationException(
                        $"Feature column '{featureColumn}', row {cursor.Position}: expected a vector of {featureCount} values, found {buffer.Length}.");
                buffer.CopyTo(row);
                if (!AllFinite(row))
                {
                    nonFinite++;
                    continue;
                }
                rows.Add(row);
                labels.Add(target);
            }
            var featureTensor = MoveTo(rows.ToTensor(), device);
            var labelTensor = MoveTo(labels.ToTensor(), device);
            return new TensorDataset(featureTensor, labelTensor, missingLabel, nonFinite);
        }
        catch
        {
            rows.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }

    /// <summary>
    /// Collects feature rows in managed chunks of <see cref="ChunkRows"/> rows. When the row
    /// count is known, each full chunk is copied straight into one preallocated tensor (one
    /// native call per chunk, not per row, and no second full copy); otherwise the chunks are
    /// kept and copied once at the end.
    /// </summary>
    private sealed class RowSink : IDisposable
    {
        private readonly int _width;
        private readonly Tensor? _direct;
        private readonly List<float[]> _chunks = [];
        private long _count;
        private long _flushed;

        public RowSink(long? knownRows, int width)
        {
            _width = width;
            if (knownRows is long n && n * width * sizeof(float) <= int.MaxValue)
                _direct = torch.empty([n, width], ScalarType.Float32);
        }

        public void Add(ReadOnlySpan<float> row)
        {
            int inChunk = (int)(_count % ChunkRows);
            if (inChunk == 0 && (_direct is null || _chunks.Count == 0))
                _chunks.Add(new float[ChunkRows * _width]);
            row.CopyTo(_chunks[^1].AsSpan(inChunk * _width));
            _count++;
            if (_direct is not null && _count % ChunkRows == 0)
                FlushToDirect();
        }

        public Tensor ToTensor()
        {
            if (_direct is not null)
            {
                FlushToDirect();
                return _count == _direct.shape[0] ? _direct : Shrink(_direct, _count);
            }
            var result = torch.empty([_count, _width], ScalarType.Float32);
            var target = MemoryMarshal.Cast<byte, float>(result.bytes);
            for (int c = 0; c < _chunks.Count; c++)
            {
                long rows = Math.Min(ChunkRows, _count - (long)c * ChunkRows);
                _chunks[c].AsSpan(0, (int)(rows * _width)).CopyTo(target.Slice(c * ChunkRows * _width));
            }
            _chunks.Clear();
            return result;
        }

        public void Dispose() => _direct?.Dispose();

        /// <summary>Copies the rows staged since the last flush into the preallocated tensor.</summary>
        private void FlushToDirect()
        {
            long rows = _count - _flushed;
            if (rows == 0)
                return;
            var target = MemoryMarshal.Cast<byte, float>(_direct!.bytes);
            _chunks[0].AsSpan(0, (int)(rows * _width)).CopyTo(target.Slice((int)(_flushed * _width)));
            _flushed = _count;
        }

        private static Tensor Shrink(Tensor full, long rows)
        {
            var kept = full.narrow(0, 0, rows).clone();
            full.Dispose();
            return kept;
        }
    }

    private static Tensor MoveTo(Tensor tensor, Device device)
    {
        if (tensor.device_type == device.type && tensor.device_index == device.index)
            return tensor;
        var moved = tensor.to(device);
        tensor.Dispose();
        return moved;
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v))
                return false;
        return true;
    }

    /// <summary>
    /// A reader of the current row's training target: the 0-based class index of a key (null when
    /// the key is 0, ML.NET's missing value), 1 or 0 for a Boolean, the value of a Single (null
    /// when it is not finite).
    /// </summary>
    private static Func<double?> LabelReader(DataViewRowCursor cursor, DataViewSchema.Column label, LabelKind kind, int classCount)
    {
        switch (kind)
        {
            case LabelKind.Boolean:
            {
                var getter = cursor.GetGetter<bool>(label);
                bool value = false;
                return () => { getter(ref value); return value ? 1 : 0; };
            }
            case LabelKind.Single:
            {
                var getter = cursor.GetGetter<float>(label);
                float value = 0;
                return () => { getter(ref value); return float.IsFinite(value) ? value : null; };
            }
            default:
            {
                var key = KeyReader(cursor, label);
                return () =>
                {
                    ulong k = key();
                    if (k == 0)
                        return null;
                    if (k > (ulong)classCount)
                        throw new InvalidOperationException(
                            $"Label column '{label.Name}', row {cursor.Position}: key {k} is outside the key type's range 1..{classCount}.");
                    return k - 1;
                };
            }
        }
    }

    /// <summary>A getter of the raw key (0 = missing) for any key representation (U1, U2, U4, U8).</summary>
    private static Func<ulong> KeyReader(DataViewRowCursor cursor, DataViewSchema.Column label)
    {
        Type raw = label.Type.RawType;
        if (raw == typeof(uint))
        {
            var g = cursor.GetGetter<uint>(label);
            uint v = 0;
            return () => { g(ref v); return v; };
        }
        if (raw == typeof(ulong))
        {
            var g = cursor.GetGetter<ulong>(label);
            ulong v = 0;
            return () => { g(ref v); return v; };
        }
        if (raw == typeof(ushort))
        {
            var g = cursor.GetGetter<ushort>(label);
            ushort v = 0;
            return () => { g(ref v); return v; };
        }
        if (raw == typeof(byte))
        {
            var g = cursor.GetGetter<byte>(label);
            byte v = 0;
            return () => { g(ref v); return v; };
        }
        throw new NotSupportedException($"Label column '{label.Name}': key representation {raw.Name} is not supported.");
    }

    /// <summary>The targets: Int64 class indices for key labels, Float32 values otherwise.</summary>
    private sealed class LabelSink(LabelKind kind, int capacity)
    {
        private readonly List<long> _indices = kind == LabelKind.Key ? new(capacity) : [];
        private readonly List<float> _values = kind == LabelKind.Key ? [] : new(capacity);

        public void Add(double target)
        {
            if (kind == LabelKind.Key)
                _indices.Add((long)target);
            else
                _values.Add((float)target);
        }

        public Tensor ToTensor() => kind == LabelKind.Key
            ? torch.tensor(_indices.ToArray(), ScalarType.Int64)
            : torch.tensor(_values.ToArray(), ScalarType.Float32);
    }
}
