using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// A small HTTP server on 127.0.0.1 and a free port, for download tests. Each path answers with
/// registered bytes, or 404. It serves only requests from the test process and stops on dispose.
/// </summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, Func<HttpListenerResponse, Task>> _routes = new();
    private readonly Task _loop;

    public LoopbackHttpServer()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public Uri BaseUri(string folder) => new($"http://127.0.0.1:{Port}/{folder.Trim('/')}/");

    /// <summary>Serves <paramref name="bytes"/> at <paramref name="path"/> with status 200.</summary>
    public void Serve(string path, byte[] bytes)
        => _routes["/" + path.TrimStart('/')] = async response =>
        {
            response.StatusCode = 200;
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        };

    /// <summary>Accepts the request at <paramref name="path"/> and then sends nothing for <paramref name="delay"/>.</summary>
    public void Stall(string path, TimeSpan delay)
        => _routes["/" + path.TrimStart('/')] = async response =>
        {
            await Task.Delay(delay);
            response.StatusCode = 503;
        };

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath;
        Requests.Enqueue(path);
        var response = context.Response;
        try
        {
            if (_routes.TryGetValue(path, out var route))
                await route(response);
            else
                response.StatusCode = 404;
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away (e.g. it timed out): nothing to do.
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
