using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Bench.Compare;
using MnistPipeline.Bench.Contenders;
using MnistPipeline.Bench.Data;
using MnistPipeline.Data;
using MnistPipeline.Images;
using MnistPipeline.Scoring;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using static System.FormattableString;

namespace MnistPipeline.Bench.ServeLoad;

/// <summary>
/// <c>serve-load</c>: the sample's <c>serve</c> in its own process on loopback, N concurrent HTTP
/// clients for a fixed time, then again while another thread re-saves the model file atomically
/// every few seconds (alternating two trained models, so every save is a real swap). Per input kind
/// (a canvas-like PNG, prepared by the server; JSON of 784 pixels): requests/s, p50/p99 latency,
/// errors, swaps. Compared with the in-process PredictionEngine on the same model.
/// </summary>
internal static class ServeLoadCommand
{
    private const int Bodies = 200;

    public static int Run(BenchSettings settings, IReadOnlyList<string> rest, string[] commandLine)
    {
        int clients = 16, seconds = 30, swapEvery = 3;
        string[] inputs = ["png", "json"];
        for (int i = 0; i < rest.Count; i++)
        {
            string arg = rest[i];
            string Value() => i + 1 < rest.Count ? rest[++i] : throw new ArgumentException($"{arg} needs a value.");
            int Positive() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 1 ? n : throw new ArgumentException($"{arg} must be a whole number ≥ 1.");
            switch (arg)
            {
                case "--clients": clients = Positive(); break;
                case "--seconds": seconds = Positive(); break;
                case "--swap-every": swapEvery = Positive(); break;
                case "--inputs":
                    inputs = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (inputs.Length == 0 || inputs.Any(k => k is not ("png" or "json")))
                        throw new ArgumentException("--inputs takes png, json or png,json.");
                    break;
                default: throw new ArgumentException($"Unknown argument for serve-load: {arg}");
            }
        }
        return RunAsync(settings, clients, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(swapEvery), inputs, commandLine).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(BenchSettings settings, int clients, TimeSpan duration, TimeSpan swapEvery, string[] inputs, string[] commandLine)
    {
        var started = DateTimeOffset.UtcNow;
        var machine = MachineInfo.Read();
        var files = MnistFiles.Ensure(settings.DataDirectory);
        var test = IdxArrays.Read(files.TestImages, files.TestLabels);
        string work = Path.GetFullPath(Path.Combine(settings.OutputDirectory, "tmp", $"serve-load-{Environment.ProcessId}"));
        Directory.CreateDirectory(work);
        try
        {
            Console.WriteLine("Training two recommended-preset models (seeds 1 and 2) on real MNIST…");
            var ml = new MLContext(settings.Seed);
            var train = ml.Data.LoadMnist(files.TrainImages, files.TrainLabels);
            using var modelA = Train(ml, train, settings, settings.Seed);
            using var modelB = Train(ml, train, settings, settings.Seed + 1);
            string served = Path.Combine(work, "mnist-mlp.zip");
            ml.Model.SaveAtomically(modelA, train.Schema, served);

            var inProcess = InProcess(served, test);
            Console.WriteLine(Invariant($"In process, one thread: PredictionEngine p50 {inProcess.EngineP50Us:F1} µs; PNG decode + prepare + predict p50 {inProcess.PngP50Us:F1} µs"));

            int port = FreePort();
            using var server = StartServer(served, port);
            using var client = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = clients,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            })
            {
                BaseAddress = new Uri(Invariant($"http://127.0.0.1:{port}")),
                Timeout = TimeSpan.FromSeconds(30),
            };
            await WaitForHealth(client, server);

            var phases = new List<PhaseResult>();
            int saveCount = 0;
            async Task<int> Swapper(CancellationToken stop)
            {
                int saves = 0;
                try
                {
                    while (true)
                    {
                        await Task.Delay(swapEvery, stop);
                        var next = saveCount++ % 2 == 0 ? modelB : modelA;
                        ml.Model.SaveAtomically(next, train.Schema, served);
                        saves++;
                    }
                }
                catch (OperationCanceledException)
                {
                    return saves;
                }
            }

            foreach (string input in inputs)
            {
                var bodies = Enumerable.Range(0, Bodies).Select(i => input == "png"
                    ? (CanvasPng(test.Image(i)), "image/png")
                    : (JsonBody(test.Image(i)), "application/json")).ToList();
                // Warm-up: JIT, connections, engines in the pool.
                await LoadPhase.Run("warm-up", input, client, bodies, clients, TimeSpan.FromSeconds(3), null);
                foreach (bool swapping in new[] { false, true })
                {
                    string name = swapping ? $"{input}, model file re-saved every {swapEvery.TotalSeconds:0} s" : $"{input}, steady";
                    Console.WriteLine($"{name}: {clients} clients for {duration.TotalSeconds:0} s…");
                    var phase = await LoadPhase.Run(name, input, client, bodies, clients, duration, swapping ? Swapper : null);
                    phases.Add(phase);
                    Console.WriteLine(Invariant($"  {phase.RequestsPerSecond:N0} requests/s, p50 {phase.P50Ms:F2} ms, p99 {phase.P99Ms:F2} ms, errors {phase.Errors}, saves {phase.ModelSaves}, swaps seen {phase.SwapsSeenByServer}, load {phase.LoadAverageStart:F2} → {phase.LoadAverageEnd:F2}"));
                }
            }
            server.Kill(entireProcessTree: true);
            server.WaitForExit();

            var result = new ServeLoadResult
            {
                StartedUtc = started,
                Machine = machine.Describe(),
                CommandLine = "dotnet run --project bench/MnistPipeline.Bench -c Release -- " + string.Join(' ', commandLine),
                Note = settings.Note,
                InProcessEngineP50Us = inProcess.EngineP50Us,
                InProcessEngineP99Us = inProcess.EngineP99Us,
                InProcessPngP50Us = inProcess.PngP50Us,
                InProcessPngP99Us = inProcess.PngP99Us,
                Phases = phases,
                ServerLog = server.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("model replaced", StringComparison.Ordinal)).ToArray(),
            };
            var (markdown, json) = result.Write(settings.OutputDirectory);
            Console.WriteLine($"Results: {markdown}, {json}");
            return phases.Sum(p => p.Errors) == 0 ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static TransformerChain<MlpTransformer> Train(MLContext ml, IDataView train, BenchSettings settings, int seed)
    {
        var options = MlpTrainer.Options.Recommended();
        options.Seed = seed;
        options.NumberOfThreads = settings.Threads;
        return ml.Transforms.ScalePixels("Pixels", "Image")
            .Append(ml.Transforms.FlattenImage("Features", "Pixels"))
            .Append(new MlpTrainer(ml, options))
            .Fit(train);
    }

    /// <summary>The same model in this process, one thread: a PredictionEngine on the raw image, and the PNG path (decode, prepare, predict).</summary>
    private static (double EngineP50Us, double EngineP99Us, double PngP50Us, double PngP99Us) InProcess(string path, IdxArrays test)
    {
        var ml = new MLContext();
        var model = ml.Model.LoadChecked(path, out _);
        try
        {
            var (p50, p99, _) = ScoringProbe.Latency(ml, model, test, predictions: 5000);
            using var engine = ml.Model.CreatePredictionEngine<ScoringProbe.MnistImage, ScoringProbe.MnistPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false });
            var pngs = Enumerable.Range(0, Bodies).Select(i => CanvasPng(test.Image(i))).ToArray();
            var micros = new List<double>();
            for (int i = 0; i < 2000; i++)
            {
                long start = Stopwatch.GetTimestamp();
                engine.Predict(new ScoringProbe.MnistImage { Image = MnistDigitImage.FromBytes(pngs[i % pngs.Length]) });
                if (i >= 200)
                    micros.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
            return (p50, p99, Statistics.Percentile(micros, 0.5), Statistics.Percentile(micros, 0.99));
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>What the page sends: the digit drawn black on a white 280 x 280 canvas (MNIST enlarged 7 times, inverted), as PNG.</summary>
    private static byte[] CanvasPng(ReadOnlySpan<byte> digit)
    {
        const int side = 280, scale = 7, margin = 42;
        var canvas = Enumerable.Repeat((byte)255, side * side).ToArray();
        for (int y = 0; y < 28 * scale; y++)
            for (int x = 0; x < 28 * scale; x++)
                canvas[((y + margin) * side) + x + margin] = (byte)(255 - digit[((y / scale) * 28) + (x / scale)]);
        return PngEncoder.Gray(canvas, side, side);
    }

    private static byte[] JsonBody(ReadOnlySpan<byte> digit)
    {
        var pixels = new double[digit.Length];
        for (int i = 0; i < digit.Length; i++)
            pixels[i] = Math.Round(digit[i] / 255.0, 4);
        return JsonSerializer.SerializeToUtf8Bytes(new { pixels });
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ServerProcess StartServer(string modelPath, int port)
    {
        string root = RepositoryRoot();
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        string dll = Path.Combine(root, "src", "MnistPipeline.Sample", "bin", configuration, "net10.0", "MnistPipeline.Sample.dll");
        if (!File.Exists(dll))
            throw new FileNotFoundException($"Build src/MnistPipeline.Sample ({configuration}) first.", dll);
        return new ServerProcess(dll, modelPath, Invariant($"http://127.0.0.1:{port}"));
    }

    private static async Task WaitForHealth(HttpClient client, ServerProcess server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            if (server.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"serve did not come up: {server.Log}");
            await Task.Delay(200);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MlNetMnist.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No MlNetMnist.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The sample's <c>serve</c> as a child process, its output kept.</summary>
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;

        public ServerProcess(string dll, string model, string url)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string arg in new[] { dll, "serve", "--model", model, "--urls", url })
                start.ArgumentList.Add(arg);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public StringBuilder Log { get; } = new();

        public bool HasExited => _process.HasExited;

        public void Kill(bool entireProcessTree) => _process.Kill(entireProcessTree);

        public void WaitForExit() => _process.WaitForExit();

        private void Append(string? line)
        {
            if (line is null)
                return;
            lock (Log)
                Log.AppendLine(line);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }
}
