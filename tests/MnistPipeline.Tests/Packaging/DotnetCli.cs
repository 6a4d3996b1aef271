using System.Diagnostics;

namespace MnistPipeline.Tests.Packaging;

/// <summary>Runs the dotnet CLI (or an app through it) as a child process, with a timeout.</summary>
internal static class DotnetCli
{
    public sealed record Result(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed, bool TimedOut)
    {
        public bool Succeeded => !TimedOut && ExitCode == 0;

        /// <summary>The command, its exit code and the end of its output: enough to see why it failed.</summary>
        public override string ToString()
        {
            const int tail = 6000;
            string output = Output.Length > tail ? "…" + Output[^tail..] : Output;
            return $"`{CommandLine}` {(TimedOut ? "timed out" : $"exited with {ExitCode}")} after {Elapsed.TotalSeconds:F1} s:\n{output}";
        }
    }

    /// <summary>
    /// Arguments for every build, pack and publish: no MSBuild nodes or compiler server outlive
    /// the command (they would keep the redirected output open and linger after the test run).
    /// </summary>
    public static readonly string[] IsolatedBuild = ["-nodeReuse:false", "-p:UseSharedCompilation=false", "-nologo"];

    public static Result Run(string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        // The test host runs under `dotnet test`, whose MSBuild variables would steer the child's
        // MSBuild; a user's shell has none of them.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(name);
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        string commandLine = "dotnet " + string.Join(' ', args);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new Result(commandLine, -1, stdout.Result + stderr.Result, watch.Elapsed, TimedOut: true);
        }
        process.WaitForExit(); // drains the redirected streams
        return new Result(commandLine, process.ExitCode, stdout.Result + stderr.Result, watch.Elapsed, TimedOut: false);
    }
}
