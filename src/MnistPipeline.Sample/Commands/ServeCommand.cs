using MnistPipeline.Sample.Rendering;
using MnistPipeline.Sample.Serve;
using static System.FormattableString;

namespace MnistPipeline.Sample.Commands;

/// <summary>
/// Serves the saved model over HTTP until Ctrl+C: the drawing page, <c>POST /predict</c> and
/// <c>GET /health</c>, swapping to a new model when the file is replaced.
/// </summary>
internal sealed class ServeCommand(SampleConsole console, ServeSettings settings)
{
    public int Run(CancellationToken cancel) => RunAsync(cancel).GetAwaiter().GetResult();

    private async Task<int> RunAsync(CancellationToken cancel)
    {
        string urls = settings.Urls
            ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS")
            ?? ServeOptions.DefaultUrls;
        var options = new ServeOptions(settings.Common.ModelPath, urls) { MaxRequestBytes = (long)settings.MaxUploadMegabytes << 20 };
        var log = TextWriter.Synchronized(console.Out);
        DigitServer server;
        try
        {
            server = await DigitServer.StartAsync(options, log, cancel).ConfigureAwait(false);
        }
        catch (IOException e) when (e is not FileNotFoundException && e.Message.Contains("bind", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"cannot listen on {urls}: {e.Message}", e);
        }
        await using (server.ConfigureAwait(false))
        {
            var current = server.Model.Current;
            log.WriteLine(Invariant($"Serving {settings.Common.ModelPath} (version {current.Version}, {current.ClassNames.Count} classes) at {string.Join(", ", server.Addresses)}"));
            log.WriteLine("Open that address in a browser to draw a digit; POST /predict takes PNG, JPEG or JSON; GET /health. Replacing the model file swaps it in. Ctrl+C stops.");
            try
            {
                await server.WaitForShutdownAsync(cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            log.WriteLine("Stopping.");
        }
        return SampleApp.Success;
    }
}
