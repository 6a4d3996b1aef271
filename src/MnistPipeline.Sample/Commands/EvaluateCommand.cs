using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Sample.Model;
using MnistPipeline.Sample.Rendering;
using MnistPipeline.Sample.Report;
using static System.FormattableString;

namespace MnistPipeline.Sample.Commands;

/// <summary>A saved model on the MNIST test set: accuracy, log-loss, confusion matrix, and optionally a report folder.</summary>
internal sealed class EvaluateCommand(SampleConsole console, EvaluateSettings settings)
{
    public int Run()
    {
        var ml = new MLContext();
        // The model first: a wrong file should fail before any data is fetched.
        using var model = DigitModel.Load(ml, settings.Common.ModelPath);
        var files = MnistData.Ensure(console, settings.Common, CancellationToken.None);
        var test = MnistData.Take(ml, ml.Data.LoadMnist(files.TestImages, files.TestLabels), settings.TestRows);

        var evaluation = DigitEvaluation.Run(ml, model.Transformer, test);
        console.Out.WriteLine(Invariant($"Model: {settings.Common.ModelPath}"));
        ResultPrinter.Metrics(console.Out, evaluation, squaredErrorModel: false);

        if (settings.ReportFolder is { } folder)
        {
            if (PlotFonts.Warning is { } warning)
                console.Error.WriteLine(warning);
            var written = ReportWriter.Write(folder, new ReportInput("evaluate", settings.CommandLine, DateTimeOffset.UtcNow,
                settings.Common.ModelPath, Training: null, evaluation));
            console.Out.WriteLine(Invariant($"Report: {folder}{Path.DirectorySeparatorChar} ({string.Join(", ", written)})"));
        }
        return SampleApp.Success;
    }
}
