using System.Numerics;
using System.Runtime.CompilerServices;
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
    /// <summary>Rows per block of the output written between two native calls (12.8 MB of 784 floats)…</summary>
    private const int BlockRows = 4096;

    /// <summary>…or fewer, so that a block stays below 64 MB (a span over native memory has at most 2³¹ bytes).</summary>
    private const int BlockFloats = 1 << 24;

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
    /// <remarks>
    /// Each row goes from the cursor's getter straight into the tensors' native memory: when the
    /// view knows its row count, into one tensor of that size allocated up front (a row skipped
    /// leaves its slot to the next row; the unused tail is cut off by a view), otherwise into
    /// blocks of up to <see cref="BlockRows"/> rows joined once at the end. No managed copy of the data
    /// and no allocation per row; one native call per block. Measured on MNIST's 60,000 × 784 rows:
    /// README, "Benchmarks" (the read against a cursor pass of the same view).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the read runs once per Fit: no time to tier up
    public static TensorDataset Load(IDataView data, string featureColumn, int featureCount, string labelColumn,
        LabelKind labelKind, int classCount, Device device, CancellationToken cancellationToken)
    {
        var features = data.Schema[featureColumn];
        var label = data.Schema[labelColumn];
        long missingLabel = 0, nonFinite = 0;
        using var rows = new RowBlocks(data.GetRowCount(), featureCount, labelKind == LabelKind.Key ? ScalarType.Int64 : ScalarType.Float32);
        using (var cursor = data.GetRowCursor([features, label]))
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
            var readLabel = LabelReader(cursor, label, labelKind, classCount);
            var buffer = default(VBuffer<float>);
            bool more = true;
            while (more)
            {
                var (featureBlock, labelBlock) = rows.NextBlock();
                var featureSpan = MemoryMarshal.Cast<byte, float>(featureBlock.bytes);
                var labelBytes = labelBlock.bytes;
                var keys = labelKind == LabelKind.Key ? MemoryMarshal.Cast<byte, long>(labelBytes) : [];
                var values = labelKind == LabelKind.Key ? [] : MemoryMarshal.Cast<byte, float>(labelBytes);
                int capacity = (int)labelBlock.shape[0], filled = 0;
                while (filled < capacity && (more = cursor.MoveNext()))
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
                    if (!CopyFinite(buffer, featureSpan.Slice(filled * featureCount, featureCount)))
                    {
                        nonFinite++;
                        continue;
                    }
                    if (labelKind == LabelKind.Key)
                        keys[filled] = (long)target;
                    else
                        values[filled] = (float)target;
                    filled++;
                }
                rows.Filled(filled);
            }
        }
        var (featureTensor, labelTensor) = rows.Finish();
        return new TensorDataset(MoveTo(featureTensor, device), MoveTo(labelTensor, device), missingLabel, nonFinite);
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }

    /// <summary>The rows at <paramref name="rows"/> (Int64 indices on the data's device) as a new dataset; this one is unchanged.</summary>
    public TensorDataset Take(Tensor rows)
        => new(Features.index_select(0, rows), Labels.index_select(0, rows), SkippedMissingLabel, SkippedNonFinite);

    /// <summary>
    /// The output in blocks of rows: views of one preallocated [rows, d] tensor (and [rows] labels)
    /// while the known row count lasts, then (or when the count is unknown) blocks of their own.
    /// </summary>
    private sealed class RowBlocks : IDisposable
    {
        private readonly int _width;
        private readonly int _blockRows;
        private readonly ScalarType _labelType;
        private (Tensor Features, Tensor Labels)? _preallocated;
        private long _preallocatedUsed;
        private readonly List<(Tensor Features, Tensor Labels)> _own = [];
        private (Tensor Features, Tensor Labels, bool IsView)? _current;

        public RowBlocks(long? knownRows, int width, ScalarType labelType)
        {
            _width = width;
            _blockRows = Math.Clamp(BlockFloats / Math.Max(width, 1), 1, BlockRows);
            _labelType = labelType;
            if (knownRows is long n && n > 0)
                _preallocated = (Detached(torch.empty([n, width], ScalarType.Float32)), Detached(torch.empty([n], labelType)));
        }

        /// <summary>The block to write the next rows into, from its first row; then call <see cref="Filled"/>.</summary>
        public (Tensor Features, Tensor Labels) NextBlock()
        {
            if (_preallocated is var (features, labels) && _preallocatedUsed < labels.shape[0])
            {
                long length = Math.Min(_blockRows, labels.shape[0] - _preallocatedUsed);
                _current = (Detached(features.narrow(0, _preallocatedUsed, length)), Detached(labels.narrow(0, _preallocatedUsed, length)), true);
            }
            else
            {
                _current = (Detached(torch.empty([_blockRows, _width], ScalarType.Float32)), Detached(torch.empty([_blockRows], _labelType)), false);
            }
            return (_current.Value.Features, _current.Value.Labels);
        }

        /// <summary>How many rows of the current block were written; a skipped row left its slot to the next row, so they are its first rows.</summary>
        public void Filled(int rows)
        {
            var (features, labels, isView) = _current!.Value;
            _current = null;
            if (isView)
            {
                _preallocatedUsed += rows;
                DisposeBlock((features, labels));
            }
            else if (rows == 0)
            {
                DisposeBlock((features, labels));
            }
            else
            {
                _own.Add(rows == labels.shape[0] ? (features, labels) : (Shrink(features, rows), Shrink(labels, rows)));
            }
        }

        /// <summary>Every row written, as one features tensor and one labels tensor; the caller owns them.</summary>
        public (Tensor Features, Tensor Labels) Finish()
        {
            var parts = new List<(Tensor Features, Tensor Labels)>();
            if (_preallocated is var (features, labels))
            {
                parts.Add(_preallocatedUsed == labels.shape[0] ? (features, labels) : (Shrink(features, _preallocatedUsed), Shrink(labels, _preallocatedUsed)));
                _preallocated = null;
            }
            parts.AddRange(_own);
            _own.Clear();
            if (parts.Count == 0)
                return (torch.empty([0, _width], ScalarType.Float32), torch.empty([0], _labelType));
            if (parts.Count == 1)
                return parts[0];
            // Only when the view did not know its row count (or had more rows than it said): one copy.
            var joined = (torch.cat(parts.Select(p => p.Features).ToList(), 0), torch.cat(parts.Select(p => p.Labels).ToList(), 0));
            foreach (var part in parts)
                DisposeBlock(part);
            return joined;
        }

        /// <summary>Releases whatever <see cref="Finish"/> has not handed over (after an error or a cancellation).</summary>
        public void Dispose()
        {
            if (_current is var (features, labels, _))
                DisposeBlock((features, labels));
            foreach (var block in _own)
                DisposeBlock(block);
            if (_preallocated is { } preallocated)
                DisposeBlock(preallocated);
            _current = null;
            _own.Clear();
            _preallocated = null;
        }

        /// <summary>The first <paramref name="rows"/> rows as a view, which keeps the memory of the unused tail (at most the rows skipped, or one block) rather than copying.</summary>
        private static Tensor Shrink(Tensor full, long rows)
        {
            var kept = Detached(full.narrow(0, 0, rows));
            full.Dispose();
            return kept;
        }

        private static void DisposeBlock((Tensor Features, Tensor Labels) block)
        {
            block.Features.Dispose();
            block.Labels.Dispose();
        }

        private static Tensor Detached(Tensor tensor) => tensor.DetachFromDisposeScope();
    }

    private static Tensor MoveTo(Tensor tensor, Device device)
    {
        if (tensor.device_type == device.type && tensor.device_index == device.index)
            return tensor;
        var moved = tensor.to(device);
        tensor.Dispose();
        return moved;
    }

    /// <summary>Copies the row's values into <paramref name="row"/> (zeros where a sparse vector has none); false if any is NaN or infinite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool CopyFinite(in VBuffer<float> buffer, Span<float> row)
    {
        var values = buffer.GetValues();
        if (buffer.IsDense)
        {
            values.CopyTo(row);
        }
        else
        {
            row.Clear();
            var indices = buffer.GetIndices();
            for (int i = 0; i < values.Length; i++)
                row[indices[i]] = values[i];
        }
        return AllFinite(values);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // x − x is 0 for every finite x and NaN for NaN and ±∞.
            foreach (var v in MemoryMarshal.Cast<float, Vector<float>>(values))
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                    return false;
            i = values.Length - values.Length % Vector<float>.Count;
        }
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
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
}
