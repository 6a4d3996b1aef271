using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using MnistPipeline.Bench.Compare;

namespace MnistPipeline.Bench.ServeLoad;

/// <summary>What one phase of the load test measured.</summary>
internal sealed record PhaseResult
{
    public required string Name { get; init; }
    public required string Input { get; init; }
    public required int Clients { get; init; }
    public required double Seconds { get; init; }
    public required long Requests { get; init; }
    public required double RequestsPerSecond { get; init; }
    public required double P50Ms { get; init; }
    public required double P99Ms { get; init; }
    public required double MaxMs { get; init; }
    public required long Errors { get; init; }
    public required Dictionary<string, long> ErrorKinds { get; init; }
    public required int VersionsAnswered { get; init; }
    public required int ModelSaves { get; init; }
    public required int SwapsSeenByServer { get; init; }
    public required double? LoadAverageStart { get; init; }
    public required double? LoadAverageEnd { get; init; }
}

/// <summary>
/// N clients, each sending one request after another (closed loop) for a fixed time, over one
/// HttpClient with N connections; every non-200 answer and every exception counts as an error.
/// </summary>
internal static class LoadPhase
{
    public static async Task<PhaseResult> Run(string name, string input, HttpClient client, IReadOnlyList<(byte[] Body, string Type)> bodies,
        int clients, TimeSpan duration, Func<CancellationToken, Task<int>>? sideJob)
    {
        double? loadStart = ProcessFacts.LoadAverage1();
        int swapsBefore = await Swaps(client);
        var latencies = new ConcurrentBag<List<double>>();
        var errors = new ConcurrentDictionary<string, long>();
        var versions = new ConcurrentDictionary<string, byte>();
        using var stop = new CancellationTokenSource(duration);
        var clock = Stopwatch.StartNew();
        var side = sideJob?.Invoke(stop.Token) ?? Task.FromResult(0);
        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = new List<double>(100_000);
            latencies.Add(mine);
            for (int i = c; !stop.IsCancellationRequested; i += clients)
            {
                var (body, type) = bodies[i % bodies.Count];
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue(type);
                long start = Stopwatch.GetTimestamp();
                try
                {
                    // Not cancelled by the stop signal: a request in flight at the end is finished and counted.
                    using var response = await client.PostAsync("/predict", content, CancellationToken.None);
                    byte[] answer = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (!response.IsSuccessStatusCode)
                    {
                        errors.AddOrUpdate($"HTTP {(int)response.StatusCode}", 1, (_, n) => n + 1);
                        continue;
                    }
                    versions.TryAdd(Version(answer), 0);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    errors.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        double seconds = clock.Elapsed.TotalSeconds;
        int saves = await side;
        // A save just before the end is swapped in a moment later: give the server up to 5 s to catch up.
        int swapsAfter = await Swaps(client);
        for (var deadline = DateTime.UtcNow.AddSeconds(5); swapsAfter - swapsBefore < saves && DateTime.UtcNow < deadline; swapsAfter = await Swaps(client))
            await Task.Delay(100);

        var all = latencies.SelectMany(l => l).ToArray();
        return new PhaseResult
        {
            Name = name,
            Input = input,
            Clients = clients,
            Seconds = seconds,
            Requests = all.Length,
            RequestsPerSecond = all.Length / seconds,
            P50Ms = all.Length > 0 ? Statistics.Percentile(all, 0.5) : double.NaN,
            P99Ms = all.Length > 0 ? Statistics.Percentile(all, 0.99) : double.NaN,
            MaxMs = all.Length > 0 ? all.Max() : double.NaN,
            Errors = errors.Values.Sum(),
            ErrorKinds = new Dictionary<string, long>(errors),
            VersionsAnswered = versions.Count,
            ModelSaves = saves,
            SwapsSeenByServer = swapsAfter - swapsBefore,
            LoadAverageStart = loadStart,
            LoadAverageEnd = ProcessFacts.LoadAverage1(),
        };
    }

    private static string Version(byte[] answer)
    {
        using var json = JsonDocument.Parse(answer);
        return json.RootElement.GetProperty("modelVersion").GetString() ?? "";
    }

    public static async Task<int> Swaps(HttpClient client)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync("/health"));
        return json.RootElement.GetProperty("swaps").GetInt32();
    }
}
