using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Sample.Model;

/// <summary>A labelled image of the test set.</summary>
/// <param name="Index">Its row, 0-based, in file order.</param>
/// <param name="Label">Its label, e.g. "7".</param>
/// <param name="Pixels">28 x 28, row-major.</param>
internal sealed record TestImage(int Index, string Label, byte[] Pixels);

/// <summary>Picks images of the test set by index, in one pass.</summary>
internal static class TestImages
{
    /// <exception cref="UsageException">An index is past the end of the test set.</exception>
    public static IReadOnlyList<TestImage> Read(IDataView test, IReadOnlyList<int> indices)
    {
        var wanted = indices.ToHashSet();
        int last = indices.DefaultIfEmpty(-1).Max();
        var found = new Dictionary<int, TestImage>();
        int seen = 0;
        var label = test.Schema["Label"];
        string[] names = DigitModel.ClassNamesOf(label, label.Type is KeyDataViewType keyType ? (int)keyType.Count : 0);
        using (var cursor = test.GetRowCursor([label, test.Schema[DigitModel.ImageColumn]]))
        {
            var getLabel = cursor.GetGetter<uint>(label);
            var getImage = cursor.GetGetter<VBuffer<byte>>(test.Schema[DigitModel.ImageColumn]);
            uint key = 0;
            var image = default(VBuffer<byte>);
            for (int row = 0; row <= last && cursor.MoveNext(); row++)
            {
                seen = row + 1;
                if (!wanted.Contains(row))
                    continue;
                getLabel(ref key);
                getImage(ref image);
                found[row] = new TestImage(row, key >= 1 && key <= names.Length ? names[key - 1] : "?", image.DenseValues().ToArray());
            }
        }
        var missing = indices.Where(i => !found.ContainsKey(i)).ToArray();
        if (missing.Length > 0)
        {
            throw new UsageException($"--index {string.Join(", ", missing)} is past the end of the test set ({seen:N0} images: 0 to {seen - 1}).");
        }
        return indices.Select(i => found[i]).ToArray();
    }
}
