using System.Diagnostics;
using System.Text.Json;

namespace MnistPipeline.Bench.Compare;

/// <summary>
/// Starts this bench again as a child process for one measurement (<c>contender NAME</c> or
/// <c>limit</c>) and reads the JSON result it writes to a file. The child's console output goes
/// straight to ours. A child that fails (non-zero exit, no result) is an exception here.
/// </summary>
internal static class ChildProcess
{
    public static T Run<T>(IEnumerable<string> command, BenchSettings settings)
    {
        string resultFile = Path.Combine(Path.GetTempPath(), $"mnistpipeline-bench-{Guid.NewGuid():N}.json");
        var start = SelfStartInfo();
        foreach (string argument in command)
            start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--result-file");
        start.ArgumentList.Add(resultFile);
        foreach (string argument in settings.ToChildArguments())
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("The child process did not start.");
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"`{string.Join(' ', start.ArgumentList)}` exited with code {process.ExitCode} (its error is printed above).");
            if (!File.Exists(resultFile))
                throw new InvalidOperationException($"`{string.Join(' ', start.ArgumentList)}` wrote no result.");
            return JsonSerializer.Deserialize<T>(File.ReadAllText(resultFile), Json.Options)
                ?? throw new InvalidOperationException("The child's result is empty.");
        }
        finally
        {
            File.Delete(resultFile);
        }
    }

    /// <summary>The same program: the app host when there is one, else <c>dotnet bench.dll</c>.</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this process is unknown.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        return start;
    }
}
