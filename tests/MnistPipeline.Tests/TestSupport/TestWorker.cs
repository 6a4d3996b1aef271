using System.Diagnostics;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>Runs tests/MnistPipeline.TestWorker as a child process, with a timeout.</summary>
internal static class TestWorker
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError, bool TimedOut);

    private static string WorkerDll
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            string root = RepositoryRoot();
            string dll = Path.Combine(root, "tests", "MnistPipeline.TestWorker", "bin", configuration, "net10.0", "MnistPipeline.TestWorker.dll");
            if (!File.Exists(dll))
                throw new FileNotFoundException($"Build tests/MnistPipeline.TestWorker ({configuration}) first.", dll);
            return dll;
        }
    }

    public static Result Run(TimeSpan timeout, params string[] args) => Run(timeout, environment: null, args);

    /// <summary>Runs the worker with extra environment variables (e.g. TMPDIR for a private temp folder).</summary>
    public static Result Run(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        start.ArgumentList.Add(WorkerDll);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new Result(-1, stdout.Result, stderr.Result, TimedOut: true);
        }
        return new Result(process.ExitCode, stdout.Result.Trim(), stderr.Result, TimedOut: false);
    }

    /// <summary>
    /// Runs the worker and kills it with SIGKILL (as <c>kill -9</c>) from outside as soon as a line of
    /// its standard output satisfies <paramref name="killWhen"/>; returns what it printed until then.
    /// </summary>
    public static Result RunAndKill(TimeSpan timeout, Func<string, bool> killWhen, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerDll);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = new Process { StartInfo = start };
        var output = new System.Text.StringBuilder();
        var killed = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (output)
                output.AppendLine(e.Data);
            if (!killed.Task.IsCompleted && killWhen(e.Data))
            {
                try
                {
                    process.Kill(); // SIGKILL on Unix
                }
                catch (InvalidOperationException)
                {
                    // It ended on its own first.
                }
                killed.TrySetResult();
            }
        };
        process.Start();
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new Result(-1, output.ToString(), stderr.Result, TimedOut: true);
        }
        process.WaitForExit(); // drains the output events
        lock (output)
            return new Result(process.ExitCode, output.ToString().Trim(), stderr.Result, TimedOut: false);
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetMnist.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No MlNetMnist.sln above {AppContext.BaseDirectory}.");
    }
}
