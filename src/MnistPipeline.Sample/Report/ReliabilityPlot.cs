using MnistPipeline.Evaluation;
using ScottPlot;
using static System.FormattableString;

namespace MnistPipeline.Sample.Report;

/// <summary>
/// The reliability diagram (Guo et al. 2017, figure 1): for each confidence bin, the accuracy of
/// the predictions in it as a bar next to the diagonal a calibrated model would follow, the gap
/// shaded; under it, how many predictions fall in each bin (log scale: most sit near 1).
/// </summary>
internal static class ReliabilityPlot
{
    public const int Width = 1000;
    public const int Height = 480;

    public static void Save(string path, ReliabilityDiagram diagram)
    {
        _ = PlotFonts.Family;
        var figure = new Multiplot();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        double width = diagram.Bins.Count == 0 ? 0 : diagram.Bins[0].Upper - diagram.Bins[0].Lower;

        var reliability = figure.GetPlot(0);
        var bars = new List<Bar>();
        foreach (var bin in diagram.Bins.Where(b => b.Count > 0))
        {
            double centre = (bin.Lower + bin.Upper) / 2;
            bars.Add(new Bar { Position = centre, Value = bin.Accuracy, Size = width * 0.95, FillColor = Colors.SteelBlue });
            // The gap between what the model said (mean confidence) and what it achieved.
            bars.Add(new Bar
            {
                Position = centre, ValueBase = Math.Min(bin.Accuracy, bin.MeanConfidence), Value = Math.Max(bin.Accuracy, bin.MeanConfidence),
                Size = width * 0.95, FillColor = Colors.OrangeRed.WithAlpha(0.45),
            });
        }
        reliability.Add.Bars(bars);
        var diagonal = reliability.Add.Line(0, 0, 1, 1);
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.Color = Colors.Gray;
        diagonal.LegendText = "calibrated";
        reliability.Title(Invariant($"Reliability (ECE {diagram.ExpectedCalibrationError:F4}, {diagram.Bins.Count} bins)"));
        reliability.XLabel("confidence (probability of the predicted digit)");
        reliability.YLabel("accuracy (blue); gap to confidence (red)");
        reliability.Axes.SetLimits(0, 1, 0, 1);

        var counts = figure.GetPlot(1);
        var countBars = diagram.Bins.Select(b => new Bar
        {
            Position = (b.Lower + b.Upper) / 2, Value = Math.Log10(1 + b.Count), Size = width * 0.95, FillColor = Colors.SlateGray,
        }).ToList();
        counts.Add.Bars(countBars);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int power in Enumerable.Range(0, 6))
            ticks.AddMajor(Math.Log10(1 + Math.Pow(10, power)), Invariant($"{Math.Pow(10, power):N0}"));
        counts.Axes.Left.TickGenerator = ticks;
        counts.Title(Invariant($"Predictions per bin ({diagram.Rows:N0} in all)"));
        counts.XLabel("confidence");
        counts.YLabel("predictions (log scale)");
        counts.Axes.SetLimits(0, 1, 0, Math.Max(1, Math.Log10(1 + diagram.Bins.Select(b => b.Count).DefaultIfEmpty(0).Max()) * 1.1));

        figure.SavePng(path, Width, Height);
    }
}
