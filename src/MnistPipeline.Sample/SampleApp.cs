using System.CommandLine;
using System.Globalization;
using MnistPipeline.Data;
using MnistPipeline.Training;
using static System.FormattableString;

namespace MnistPipeline.Sample;

/// <summary>
/// The sample's entry point, callable in-process (tests pass their own writers): parses the
/// command line, runs one command, and turns the documented failures into one line on
/// <c>error</c> and an exit code.
/// </summary>
internal static class SampleApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadArguments = 2;
    public const int InternalError = 70;
    public const int Canceled = 130;

    /// <param name="args">The command line.</param>
    /// <param name="output">Where results go (stdout).</param>
    /// <param name="error">Where errors go (stderr).</param>
    /// <param name="interactive">Whether <paramref name="output"/> is a terminal: a live progress bar instead of plain lines.</param>
    /// <param name="cancel">Stops training after the current step (Program cancels it on Ctrl+C).</param>
    /// <returns>0 on success, 1 for a documented failure (data, model or image file), 2 for bad arguments, 70 for an unexpected exception (a bug: its stack trace is printed), 130 when cancelled.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false, CancellationToken cancel = default)
    {
        // Numbers on the command line and in every output are read and written the same way everywhere.
        var previousCulture = CultureInfo.CurrentCulture;
        var previousUiCulture = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        try
        {
            var commandLine = new SampleCommandLine(new Rendering.SampleConsole(output, error, interactive));
            var parsed = commandLine.Root.Parse(args);
            if (parsed.Errors.Count > 0)
                return Fail(error, BadArguments, string.Join(" ", parsed.Errors.Select(e => Flatten(e.Message))) + " (see --help)");
            // Program owns the process's signals; System.CommandLine is told not to install its own.
            return parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            }, cancel).GetAwaiter().GetResult();
        }
        catch (TrainingCanceledException e)
        {
            return Fail(error, Canceled, ResumeHint(args, e));
        }
        catch (Exception e) when (Describe(e) is { } known)
        {
            return Fail(error, known.ExitCode, known.Message);
        }
        catch (Exception e)
        {
            // Not a failure the user can fix: a bug. Keep everything needed to report it.
            error.WriteLine($"error: unexpected {e.GetType().Name}; please report it with this trace:");
            error.WriteLine(e);
            return InternalError;
        }
        finally
        {
            CultureInfo.CurrentCulture = previousCulture;
            CultureInfo.CurrentUICulture = previousUiCulture;
        }
    }

    /// <summary>
    /// The failures a user can cause and fix, with their exit codes; anything else is a bug and
    /// is printed with its stack trace (returns null).
    /// </summary>
    private static (int ExitCode, string Message)? Describe(Exception e) => e switch
    {
        UsageException => (BadArguments, e.Message),
        OperationCanceledException => (Canceled, "canceled (train with --checkpoint <file> to be able to resume)"),
        CheckpointMismatchException => (Failure, e.Message),
        MnistFilesUnavailableException m => (Failure, OneLine(m)),
        IdxFormatException => (Failure, FirstLine(e.Message)),
        FileNotFoundException => (Failure, FirstLine(e.Message)),
        DirectoryNotFoundException => (Failure, FirstLine(e.Message)),
        InvalidDataException => (Failure, FirstLine(e.Message)),
        UnauthorizedAccessException => (Failure, FirstLine(e.Message)),
        IOException => (Failure, FirstLine(e.Message)), // e.g. a checkpoint or the model could not be written (disk full)
        _ => null,
    };

    /// <summary>Where training stopped, where its checkpoint is, and the command that continues it.</summary>
    private static string ResumeHint(string[] args, TrainingCanceledException e)
    {
        var resume = args.Contains("--resume") ? args : [.. args, "--resume"];
        string command = string.Join(" ", resume.Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ',' or '=') ? a : $"'{a}'"));
        return Invariant($"canceled at epoch {e.Epoch}, step {e.Step:N0}; checkpoint saved to '{e.CheckpointPath}'. ") +
               $"Resume with: dotnet run --project src/MnistPipeline.Sample -c Release -- {command}";
    }

    private static string OneLine(MnistFilesUnavailableException e)
        => $"the MNIST files in '{e.DataDirectory}' are missing or damaged and could not be fetched ({string.Join("; ", e.Problems)}). " +
           $"Put the four IDX files there, or point --data or {MnistFiles.DataDirectoryVariable} at a folder that has them.";

    /// <summary>System.CommandLine lists allowed values on separate lines; the contract is one line.</summary>
    private static string Flatten(string message)
        => string.Join(" ", message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static int Fail(TextWriter error, int exitCode, string message)
    {
        error.WriteLine($"error: {message}");
        return exitCode;
    }
}
