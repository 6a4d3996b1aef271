using MnistPipeline.Networks;
using MnistPipeline.Training;
using ScottPlot;

namespace MnistPipeline.Sample.Report;

/// <summary>Loss and accuracy per epoch, training and validation, side by side.</summary>
internal static class TrainingCurvesPlot
{
    public const int Width = 1200;
    public const int Height = 450;

    public static void Save(string path, IReadOnlyList<EpochMetrics> history, string validationName)
    {
        _ = PlotFonts.Family;
        double[] epochs = history.Select(m => (double)m.Epoch).ToArray();
        var figure = new Multiplot();
        figure.AddPlots(2);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();

        var loss = figure.GetPlot(0);
        AddCurve(loss, epochs, history.Select(m => m.TrainingLoss), "training");
        if (history.All(m => m.ValidationLoss is not null))
            AddCurve(loss, epochs, history.Select(m => m.ValidationLoss!.Value), $"validation ({validationName})");
        Style(loss, "Loss per epoch", "loss", epochs, Alignment.UpperRight);

        var accuracy = figure.GetPlot(1);
        AddCurve(accuracy, epochs, history.Select(m => m.TrainingAccuracy ?? double.NaN), "training");
        if (history.All(m => m.ValidationAccuracy is not null))
            AddCurve(accuracy, epochs, history.Select(m => m.ValidationAccuracy!.Value), $"validation ({validationName})");
        Style(accuracy, "Accuracy per epoch", "accuracy", epochs, Alignment.LowerRight);

        figure.SavePng(path, Width, Height);
    }

    private static void AddCurve(Plot plot, double[] epochs, IEnumerable<double> values, string name)
    {
        var curve = plot.Add.Scatter(epochs, values.ToArray());
        curve.LegendText = name;
        curve.LineWidth = 2;
        curve.MarkerSize = 6;
    }

    private static void Style(Plot plot, string title, string yLabel, double[] epochs, Alignment legend)
    {
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        if (epochs.Length <= 20)
        {
            // Whole epochs only: 1.5 epochs means nothing.
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (double epoch in epochs)
                ticks.AddMajor(epoch, epoch.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
            plot.Axes.Bottom.TickGenerator = ticks;
        }
        if (epochs.Length == 1)
            plot.Axes.SetLimitsX(0.5, 1.5);
    }
}
