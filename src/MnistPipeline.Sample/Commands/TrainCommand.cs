using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Data;
using MnistPipeline.Sample.Model;
using MnistPipeline.Sample.Rendering;
using MnistPipeline.Sample.Report;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using static System.FormattableString;

namespace MnistPipeline.Sample.Commands;

/// <summary>
/// The whole product in one run: fetch MNIST, train (the tutorial's lines as it goes), evaluate
/// on the test set, save the model, write the report, then reload the file in a new
/// <see cref="MLContext"/> and predict a few test digits.
/// </summary>
internal sealed class TrainCommand(SampleConsole console, TrainSettings settings)
{
    private readonly TextWriter _out = console.Out;
    private readonly bool _quiet = settings.Common.Quiet;

    public int Run(CancellationToken cancel)
    {
        var renderer = ProgressRenderer.For(console, _quiet);
        var network = SampleNetwork.For(settings, renderer, cancel);
        var ml = new MLContext(settings.Seed);
        // Constructed before any data is read, so that a bad option fails at once.
        CreateTrainer(ml, network);
        CheckCheckpoint();
        Say(Invariant($"MnistPipeline sample: train, network {network.Name}, preset {network.Preset} ({network.Describe()}), MLContext seed {settings.Seed}"));

        var files = MnistData.Ensure(console, settings.Common, cancel);
        var train = MnistData.Take(ml, ml.Data.LoadMnist(files.TrainImages, files.TrainLabels), settings.TrainRows);
        var test = MnistData.Take(ml, ml.Data.LoadMnist(files.TestImages, files.TestLabels), settings.TestRows);
        Say(Invariant($"MNIST files: {Path.GetDirectoryName(files.TrainImages)}"));

        // Stateless preprocessing, fitted once. The test set stays out of training entirely: the
        // trainer measures each epoch, stops early and fits its calibration temperature on rows it
        // keeps out of the training images (the preset says how many), never on the test images.
        var preprocessing = network.Preprocessing(ml).Fit(train);
        var (trained, trainingTime) = Fit(ml, network, renderer, preprocessing.Transform(train));
        using var model = preprocessing.Append(trained.Transformer);

        var evaluation = DigitEvaluation.Run(ml, model, test);
        ResultPrinter.Metrics(_out, evaluation, network.Loss == ClassificationLoss.SquaredError);

        string modelPath = Path.GetFullPath(settings.Common.ModelPath);
        ml.Model.SaveAtomically(model, train.Schema, modelPath);
        _out.WriteLine();
        _out.WriteLine(Invariant($"Model saved: {settings.Common.ModelPath} ({new FileInfo(modelPath).Length / 1024.0:N0} KiB)"));

        string validation = trained.History.Any(m => m.ValidationLoss is not null)
            ? trained.Calibration?.Rows ?? "rows kept out of the training images"
            : "none: every training image trains (the preset keeps none out)";
        var run = new TrainingRun(network.Preset, network.Options, settings.Seed, CountRows(train), validation,
            trained.Architecture, trained.Model.ParameterCount, trained.History, trainingTime, trained.Calibration)
        {
            Network = network.Name,
            Loss = network.Loss,
            Activation = network.Activation,
            WeightInitialization = network.WeightInitialization,
            HiddenLayers = trained.HiddenLayers,
        };
        WriteReport(new ReportInput("train", settings.CommandLine, DateTimeOffset.UtcNow, settings.Common.ModelPath, run, evaluation));

        ShowPredictionsFromSavedModel(modelPath, test, evaluation);
        return SampleApp.Success;
    }

    /// <summary>
    /// A checkpoint is resumed only when asked (--resume), and --resume needs one: a leftover file
    /// from an interrupted run is never continued, or overwritten, by surprise.
    /// </summary>
    private void CheckCheckpoint()
    {
        if (settings.CheckpointPath is not { } path)
            return;
        bool exists = File.Exists(path);
        if (settings.Resume && !exists)
            throw new FileNotFoundException($"there is no checkpoint '{path}' to resume: run without --resume, with --checkpoint {path} to save one.", path);
        if (!settings.Resume && exists)
            throw new UsageException($"the checkpoint '{path}' is there from an interrupted run: add --resume to continue it, or delete the file to train from the start.");
    }

    private static void CreateTrainer(MLContext ml, SampleNetwork network)
    {
        try
        {
            network.CreateTrainer(ml);
        }
        catch (ArgumentException e)
        {
            // The trainer names the option; say which command-line value it came from.
            throw new UsageException($"invalid training option: {e.Message.Split(" (Parameter")[0]}", e);
        }
    }

    /// <summary>Trains on the training images only, showing the trainer's log lines as they come.</summary>
    private static (SampleNetwork.Trained Trained, TimeSpan Elapsed) Fit(MLContext ml, SampleNetwork network, ProgressRenderer renderer,
        IDataView train)
    {
        void OnLog(object? sender, LoggingEventArgs e)
        {
            if (e.Kind == ChannelMessageKind.Info && e.Source.StartsWith(network.LogSource, StringComparison.Ordinal))
                renderer.Line(e.RawMessage);
        }

        var clock = Stopwatch.StartNew();
        ml.Log += OnLog;
        try
        {
            return (network.Fit(ml, train), clock.Elapsed);
        }
        finally
        {
            ml.Log -= OnLog;
            renderer.Finish();
        }
    }

    private void WriteReport(ReportInput input)
    {
        if (settings.ReportFolder is not { } folder)
            return;
        if (PlotFonts.Warning is { } warning)
            console.Error.WriteLine(warning);
        var files = ReportWriter.Write(folder, input);
        _out.WriteLine(Invariant($"Report: {folder}{Path.DirectorySeparatorChar} ({string.Join(", ", files)})"));
    }

    /// <summary>What a user does next: load the file in a fresh context, as another process would, and predict.</summary>
    private void ShowPredictionsFromSavedModel(string modelPath, IDataView test, DigitEvaluation evaluation)
    {
        var indices = SampleCommandLine.DefaultPredictIndices.Where(i => i < evaluation.Rows).ToList();
        bool withMistake = evaluation.Misclassified.Count > 0 && !indices.Contains(evaluation.Misclassified[0].Index);
        if (withMistake)
            indices.Add(evaluation.Misclassified[0].Index);

        var fresh = new MLContext();
        using var model = DigitModel.Load(fresh, modelPath);
        var images = TestImages.Read(test, indices);
        var predictions = model.Predict(images.Select(i => i.Pixels).ToArray());
        _out.WriteLine();
        _out.WriteLine(Invariant($"Reloaded {settings.Common.ModelPath} in a new MLContext; its predictions for test digits {string.Join(", ", indices)}") +
            (withMistake ? " (the last one is its first mistake):" : ":"));
        _out.WriteLine();
        ResultPrinter.Predictions(_out, model, images.Select(i => (Invariant($"test #{i.Index}, true {i.Label}"), i.Pixels, (string?)i.Label)).ToArray(), predictions);
    }

    private static int CountRows(IDataView data) => (int)(data.GetRowCount() ?? data.GetColumn<uint>("Label").LongCount());

    private void Say(string line)
    {
        if (!_quiet)
            _out.WriteLine(line);
    }
}
