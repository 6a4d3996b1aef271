using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using MnistPipeline.Images;
using static System.FormattableString;

namespace MnistPipeline.Sample.Serve;

/// <summary>
/// The prediction service of <c>serve</c>: an ASP.NET Core minimal API over a <see cref="ModelHost"/>.
/// <list type="table">
/// <item><term>GET /</term><description>the drawing page (one embedded HTML file, no external resources)</description></item>
/// <item><term>POST /predict</term><description>PNG/JPEG bytes or JSON <c>{"pixels": [784 numbers 0..1]}</c> → digit, probabilities, model version; <c>?input=true</c> adds the 28 x 28 pixels the model saw</description></item>
/// <item><term>GET /health</term><description>status, the model's version, SHA-256, load time, swaps and the last failed load</description></item>
/// </list>
/// Errors a client can fix are answered 400 (413 for a body over the cap) with <c>{"error": "one line"}</c>;
/// anything else 500 with <c>{"error": "internal error"}</c>, the exception going to the server's log only.
/// </summary>
internal sealed class DigitServer : IAsyncDisposable
{
    private const string PageResource = "MnistPipeline.Sample.Serve.index.html";

    private readonly WebApplication _app;

    private DigitServer(WebApplication app, ModelHost model, IReadOnlyList<string> addresses)
    {
        _app = app;
        Model = model;
        Addresses = addresses;
    }

    public ModelHost Model { get; }

    /// <summary>The addresses listened on, with the real port when 0 was asked for.</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <summary>Loads the model, then starts listening.</summary>
    /// <exception cref="FileNotFoundException">No model file.</exception>
    /// <exception cref="InvalidDataException">The model file is not an intact digit classifier.</exception>
    /// <exception cref="IOException">An address cannot be bound (in use, or not this machine's).</exception>
    public static async Task<DigitServer> StartAsync(ServeOptions options, TextWriter log, CancellationToken cancel = default)
    {
        var model = ModelHost.Open(options.ModelPath, options.PoolSize, options.PollInterval, log);
        try
        {
            var app = Build(options, model, log);
            await app.StartAsync(cancel).ConfigureAwait(false);
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
            return new DigitServer(app, model, addresses);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Until <paramref name="cancel"/> fires or the host is stopped.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        // Stop taking requests and let running ones finish, then release the model.
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Model.Dispose();
    }

    private static WebApplication Build(ServeOptions options, ModelHost model, TextWriter log)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(DigitServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // The sample prints its own lines; ASP.NET Core's console logger would interleave its own.
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);

        var app = builder.Build();
        app.Use((context, next) => Guarded(context, next, log));

        byte[] page = Page();
        var imageOptions = new MnistDigitImageOptions { MaxPixelCount = options.MaxImagePixels };
        app.MapGet("/", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(page, "text/html; charset=utf-8");
        });
        app.MapGet("/health", () => Results.Json(Health(model)));
        app.MapPost("/predict", (Delegate)((HttpContext context) => Predict(context, model, options, imageOptions)));
        return app;
    }

    private static object Health(ModelHost host)
    {
        var current = host.Current;
        return new
        {
            status = "ok",
            modelVersion = current.Version,
            modelSha256 = current.Sha256,
            loadedAt = current.LoadedAt,
            modelFile = Path.GetFileName(host.ModelPath),
            swaps = host.Swaps,
            failedLoads = host.FailedLoads,
            lastError = host.LastError,
        };
    }

    private static async Task<IResult> Predict(HttpContext context, ModelHost host, ServeOptions options, MnistDigitImageOptions imageOptions)
    {
        var request = context.Request;
        if (request.ContentLength > options.MaxRequestBytes)
            throw TooLarge(options.MaxRequestBytes);
        byte[] body = await ReadBody(request, options.MaxRequestBytes, context.RequestAborted).ConfigureAwait(false);
        byte[] pixels = DigitRequest.ToPixels(request.ContentType, body, imageOptions);

        using var lease = host.Acquire();
        var prediction = lease.Model.Predict(pixels);
        bool withInput = string.Equals(request.Query["input"], "true", StringComparison.OrdinalIgnoreCase);
        return Results.Json(new
        {
            digit = prediction.Label,
            probability = prediction.Probability,
            probabilities = prediction.Scores,
            labels = lease.Model.ClassNames,
            modelVersion = lease.Model.Version,
            input = withInput ? pixels.Select(p => (int)p).ToArray() : null,
        });
    }

    /// <summary>The whole body, refusing more than <paramref name="limit"/> bytes (also when no Content-Length was sent).</summary>
    private static async Task<byte[]> ReadBody(HttpRequest request, long limit, CancellationToken cancel)
    {
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)Math.Min(length, limit) : 16 * 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancel).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
                throw TooLarge(limit);
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static BadDigitRequestException TooLarge(long limit)
        => new($"the body is larger than {DigitRequest.Bytes(limit)}, the limit of this server", StatusCodes.Status413PayloadTooLarge);

    /// <summary>Every request: a client's mistake → its status and one line; anything else → 500, logged here only.</summary>
    private static async Task Guarded(HttpContext context, RequestDelegate next, TextWriter log)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadDigitRequestException e)
        {
            await Error(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own: the body went over MaxRequestBodySize, or the request is malformed.
            string message = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"the body is larger than the limit of this server"
                : $"bad request ({e.Message})";
            await Error(context, e.StatusCode, message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e)
        {
            log.WriteLine(Invariant($"error: {context.Request.Method} {context.Request.Path} failed: {e}"));
            await Error(context, StatusCodes.Status500InternalServerError, "internal error").ConfigureAwait(false);
        }
    }

    private static Task Error(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
            return Task.CompletedTask;
        context.Response.Clear();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = message });
    }

    private static byte[] Page()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The page resource '{PageResource}' is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
