using System.Diagnostics;
using System.Text.Json;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Data;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// The tutorial recipe in PyTorch (<c>pytorch_mlp.py</c>, run by python3 with the bench's thread
/// count), when <c>import torch</c> works; skipped with how to install it otherwise. Train wall
/// from tensors in memory; peak memory is the python process's; model file: <c>torch.save</c>
/// of the state_dict.
/// </summary>
internal sealed class PyTorchContender : IContender
{
    private const string Script = "pytorch_mlp.py";

    public string Name => "pytorch-tutorial";

    public ContenderResult Run(BenchSettings settings)
    {
        string description = $"PyTorch (python3) loop: {PlainMlpRecipe.Tutorial.Describe()}; from in-memory tensors";
        string? python = FindPythonWithTorch(settings, out string failure);
        if (python is null)
        {
            string reason = $"no python3 here can `import torch` ({failure}); install it with: apt-get install -y python3-torch";
            Console.WriteLine($"[{Name}] skipped: {reason}");
            return new ContenderResult { Contender = Name, Description = description, Skipped = reason, Threads = settings.Threads };
        }

        var files = MnistFiles.Ensure(settings.DataDirectory);
        string folder = Path.GetDirectoryName(files.TrainImages)!;
        string script = Path.Combine(AppContext.BaseDirectory, Script);
        double? loadStart = ProcessFacts.LoadAverage1();
        var run = RunPython(python,
            [script, folder, "--threads", settings.Threads.ToString(), "--seed", settings.Seed.ToString(), "--epochs", PlainMlpRecipe.Tutorial.Epochs.ToString()],
            TimeSpan.FromHours(1));
        if (run.ExitCode != 0)
            throw new InvalidOperationException($"{Script} failed with exit code {run.ExitCode}:\n{run.Error}");
        using var json = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]);
        var r = json.RootElement;
        double[] epochs = r.GetProperty("epochSeconds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double train = r.GetProperty("trainSeconds").GetDouble();
        long rows = r.GetProperty("trainingRows").GetInt64();
        return new ContenderResult
        {
            Contender = Name,
            Description = description,
            Threads = r.GetProperty("threads").GetInt32(),
            Epochs = r.GetProperty("epochs").GetInt32(),
            TrainingRows = rows,
            BatchSize = PlainMlpRecipe.Tutorial.BatchSize,
            TrainWallSeconds = train,
            DataPrepSeconds = r.GetProperty("dataPrepSeconds").GetDouble(),
            EpochSeconds = epochs,
            EpochSecondsMedian = Statistics.Median(epochs),
            TrainSamplesPerSecond = rows * epochs.Length / train,
            TestAccuracy = r.GetProperty("testAccuracy").GetDouble(),
            LogLoss = r.GetProperty("logLoss").GetDouble(),
            PeakRssAfterTrainBytes = r.GetProperty("peakRssAfterTrainBytes").GetInt64(),
            PeakRssBytes = r.GetProperty("peakRssBytes").GetInt64(),
            ModelFileBytes = r.GetProperty("modelFileBytes").GetInt64(),
            ModelFileKind = "PyTorch torch.save(state_dict)",
            LoadAverage = [loadStart ?? double.NaN, ProcessFacts.LoadAverage1() ?? double.NaN],
            Facts = new()
            {
                ["python"] = python,
                ["peak memory after data prep, before training"] = $"{r.GetProperty("peakRssAfterPrepBytes").GetInt64() / 1e6:F0} MB",
                ["torch"] = r.GetProperty("torch").GetString() ?? "?",
                ["parallel info"] = r.GetProperty("parallelInfo").GetString() ?? "?",
            },
        };
    }

    /// <summary>
    /// The interpreter given with --python, else the first of python3 on the PATH and Debian's
    /// /usr/bin/python3 (where apt installs python3-torch; a pyenv or venv python3 earlier on
    /// the PATH does not see it) that can import torch.
    /// </summary>
    private static string? FindPythonWithTorch(BenchSettings settings, out string failure)
    {
        string[] candidates = settings.Python == "python3" ? ["python3", "/usr/bin/python3"] : [settings.Python];
        var failures = new List<string>();
        foreach (string candidate in candidates.Distinct())
        {
            var probe = RunPython(candidate, ["-c", "import torch"], TimeSpan.FromMinutes(2));
            if (probe.ExitCode == 0)
            {
                failure = "";
                return candidate;
            }
            failures.Add($"{candidate}: {FirstLine(probe.Error)}");
        }
        failure = string.Join("; ", failures);
        return null;
    }

    private static (int ExitCode, string Output, string Error) RunPython(string python, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{python} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"{python} not found: {e.Message}");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{python} did not finish within {timeout}.");
            }
            return (process.ExitCode, output.Result, error.Result);
        }
    }

    private static string FirstLine(string text)
    {
        string trimmed = text.Trim();
        string last = trimmed.Split('\n')[^1];
        return string.IsNullOrEmpty(last) ? "no output" : last.Trim();
    }
}
