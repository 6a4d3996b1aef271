using System.Text;
using static System.FormattableString;

namespace MnistPipeline.Sample.Rendering;

/// <summary>The confusion matrix as text: rows are the true digits, columns the predicted ones, with recall and precision.</summary>
internal static class ConfusionTable
{
    public static IEnumerable<string> Format(IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames)
    {
        int k = classNames.Count;
        int cell = Math.Max(5, (int)Math.Max(1, counts.SelectMany(r => r).DefaultIfEmpty(0).Max()).ToString("N0", System.Globalization.CultureInfo.InvariantCulture).Length + 1);
        var header = new StringBuilder("true \\ predicted".PadRight(17));
        foreach (string name in classNames)
            header.Append(name.PadLeft(cell));
        header.Append("   recall");
        yield return header.ToString();

        for (int t = 0; t < k; t++)
        {
            double rowTotal = counts[t].Sum();
            var line = new StringBuilder(("  " + classNames[t]).PadRight(17));
            for (int p = 0; p < k; p++)
                line.Append(Invariant($"{counts[t][p]:N0}").PadLeft(cell));
            line.Append(Invariant($"   {(rowTotal == 0 ? 0 : counts[t][t] / rowTotal):F4}"));
            yield return line.ToString();
        }

        var precision = new StringBuilder("  precision".PadRight(17));
        for (int p = 0; p < k; p++)
        {
            double columnTotal = Enumerable.Range(0, k).Sum(t => counts[t][p]);
            precision.Append(Invariant($"{(columnTotal == 0 ? 0 : counts[p][p] / columnTotal):F2}").PadLeft(cell));
        }
        yield return precision.ToString();
    }
}
