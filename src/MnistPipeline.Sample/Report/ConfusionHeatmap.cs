using ScottPlot;
using static System.FormattableString;

namespace MnistPipeline.Sample.Report;

/// <summary>
/// The confusion matrix as a heatmap: true digit down, predicted across, every cell labelled with
/// its count. The colour follows log(1 + count), or the few mistakes would all look alike next
/// to the diagonal's hundreds.
/// </summary>
internal static class ConfusionHeatmap
{
    public const int Width = 760;
    public const int Height = 680;

    public static void Save(string path, IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames, int rows)
    {
        _ = PlotFonts.Family;
        int k = classNames.Count;
        double max = counts.SelectMany(r => r).DefaultIfEmpty(0).Max();
        var intensities = new double[k, k];
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
                intensities[t, p] = Math.Log10(1 + counts[t][p]);

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, Math.Log10(1 + Math.Max(1, max)));

        // Heatmap row 0 is drawn at the top, at y = k - 1.
        double bright = 0.6 * Math.Log10(1 + Math.Max(1, max));
        for (int t = 0; t < k; t++)
        {
            for (int p = 0; p < k; p++)
            {
                var label = plot.Add.Text(Invariant($"{counts[t][p]:0}"), p, k - 1 - t);
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontSize = 14;
                label.LabelBold = t == p;
                label.LabelFontColor = intensities[t, p] > bright ? Colors.Black : Colors.White;
            }
        }

        var across = new ScottPlot.TickGenerators.NumericManual();
        var down = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < k; i++)
        {
            across.AddMajor(i, classNames[i]);
            down.AddMajor(k - 1 - i, classNames[i]);
        }
        plot.Axes.Bottom.TickGenerator = across;
        plot.Axes.Left.TickGenerator = down;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 14;
        plot.Axes.Left.TickLabelStyle.FontSize = 14;
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.HideGrid();
        plot.Title(Invariant($"Confusion matrix ({rows:N0} test images)"));
        plot.XLabel("predicted digit");
        plot.YLabel("true digit");
        plot.SavePng(path, Width, Height);
    }
}
