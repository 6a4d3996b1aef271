using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.ML;
using MnistPipeline.Sample.Serve;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Sample.Serve;

/// <summary>
/// The model file replaced while the service runs: swaps under concurrent requests with no
/// failure, requests finishing on the model they started with, the old model disposed after its
/// last request, and damaged files never replacing a working model.
/// </summary>
[TestClass]
public sealed class ModelSwapTests
{
    private static TempFolder s_folder = null!;
    private static string s_a = null!, s_b = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void TrainTwoModels(TestContext _)
    {
        s_folder = new TempFolder();
        s_a = s_folder.File("a.zip");
        s_b = s_folder.File("b.zip");
        ServeFixture.SaveTinyModel(s_a, seed: 1);
        ServeFixture.SaveTinyModel(s_b, seed: 2);
    }

    [ClassCleanup]
    public static void Cleanup() => s_folder.Dispose();

    /// <summary>Re-saves <paramref name="source"/> over <paramref name="target"/> with the project's atomic save.</summary>
    private static void SaveOver(string source, string target)
    {
        var ml = new MLContext();
        var model = ml.Model.LoadChecked(source, out var schema);
        try
        {
            ml.Model.SaveAtomically(model, schema, target);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    private static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    [TestMethod]
    public async Task Serve_ModelReplacedSixTimesUnderEightClients_NoRequestFailsAndOldModelsAreDisposed()
    {
        using var folder = new TempFolder();
        string path = folder.File("mnist-mlp.zip");
        File.Copy(s_a, path);
        var (server, client) = await ServeFixture.StartAsync(path);
        await using var _ = server;
        using var __ = client;

        var pixels = Enumerable.Range(0, 784).Select(i => (i % 28) is > 10 and < 16 ? 1.0 : 0.0).ToArray();
        var versions = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        long requests = 0;
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.PostAsJsonAsync("/predict", new { pixels });
                    string body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{(int)response.StatusCode}: {body}");
                        continue;
                    }
                    versions.AddOrUpdate(JsonDocument.Parse(body).RootElement.GetProperty("modelVersion").GetString()!, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref requests);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failures.Enqueue(e.Message);
                }
            }
        })).ToArray();

        var replaced = new List<ServedModel> { server.Model.Current };
        for (int swap = 1; swap <= 6; swap++)
        {
            await Task.Delay(300);
            SaveOver(swap % 2 == 1 ? s_b : s_a, path);
            await WaitFor(() => server.Model.Swaps == swap, $"swap {swap}");
            replaced.Add(server.Model.Current);
        }
        await Task.Delay(300);
        stop.Cancel();
        await Task.WhenAll(clients);

        TestContext.WriteLine($"{requests:N0} requests, {versions.Count} versions answered: {string.Join(", ", versions.Select(v => $"{v.Key} ×{v.Value}"))}");
        Assert.IsEmpty(failures, string.Join("\n", failures.Take(5)));
        Assert.AreEqual(7, versions.Count, "the first model and the six replacements each answered requests");
        Assert.AreEqual(0, server.Model.FailedLoads);
        Assert.IsTrue(replaced.Take(6).All(m => m.IsDisposed), "every replaced model is disposed once its requests are done");
        Assert.IsFalse(replaced[^1].IsDisposed, "the current model is alive");
    }

    [TestMethod]
    public async Task Swap_RequestHoldingTheOldModel_FinishesOnItThenItIsDisposed()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.zip");
        File.Copy(s_a, path);
        using var host = ModelHost.Open(path, poolSize: 2, TimeSpan.FromMinutes(1), TextWriter.Null);
        var lease = host.Acquire();
        var old = lease.Model;

        SaveOver(s_b, path);
        await host.CheckNowAsync();

        Assert.AreNotSame(old, host.Current, "new requests get the new model");
        Assert.AreEqual(1, host.Swaps);
        Assert.IsFalse(old.IsDisposed, "a request still uses it");
        var prediction = old.Predict(new byte[784]);
        Assert.HasCount(10, prediction.Scores);
        lease.Dispose();
        Assert.IsTrue(old.IsDisposed, "released by its last request");
    }

    [TestMethod]
    [DataRow("truncated")]
    [DataRow("garbage")]
    [DataRow("not a digit model")]
    public async Task Swap_DamagedFile_KeepsServingTheWorkingModelThenTakesTheNextGoodOne(string damage)
    {
        using var folder = new TempFolder();
        string path = folder.File("m.zip");
        File.Copy(s_a, path);
        var log = new StringWriter();
        using var host = ModelHost.Open(path, poolSize: 2, TimeSpan.FromMinutes(1), TextWriter.Synchronized(log));
        var working = host.Current;

        byte[] bytes = damage switch
        {
            "truncated" => File.ReadAllBytes(s_b)[..^5000],  // a writer that is not atomic, caught halfway
            "garbage" => new byte[4096],
            _ => OtherModel(folder),
        };
        File.WriteAllBytes(path, bytes);
        await host.CheckNowAsync();

        Assert.AreSame(working, host.Current, "the working model stays");
        Assert.IsFalse(working.IsDisposed);
        Assert.AreEqual(0, host.Swaps);
        Assert.AreEqual(1, host.FailedLoads);
        StringAssert.Contains(host.LastError, "was not loaded");
        StringAssert.Contains(log.ToString(), "warning: model file");
        using (var lease = host.Acquire())
            Assert.HasCount(10, lease.Model.Predict(new byte[784]).Scores);

        SaveOver(s_b, path);
        await host.CheckNowAsync();
        Assert.AreEqual(1, host.Swaps);
        Assert.IsNull(host.LastError);
        Assert.IsTrue(working.IsDisposed);
    }

    [TestMethod]
    public async Task Swap_SameBytesWrittenAgain_DoesNotReload()
    {
        using var folder = new TempFolder();
        string path = folder.File("m.zip");
        File.Copy(s_a, path);
        using var host = ModelHost.Open(path, poolSize: 2, TimeSpan.FromMinutes(1), TextWriter.Null);
        var first = host.Current;

        File.WriteAllBytes(path, File.ReadAllBytes(s_a));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        await host.CheckNowAsync();

        Assert.AreSame(first, host.Current);
        Assert.AreEqual(0, host.Swaps);
        Assert.AreEqual(0, host.FailedLoads);
    }

    [TestMethod]
    public void Open_MissingOrForeignModel_ThrowsAsTheSampleReportsIt()
    {
        using var folder = new TempFolder();
        Assert.ThrowsExactly<FileNotFoundException>(() => ModelHost.Open(folder.File("none.zip"), 2, TimeSpan.FromSeconds(1), TextWriter.Null));
        string foreign = folder.Write("foreign.zip", OtherModel(folder));
        var error = Assert.ThrowsExactly<InvalidDataException>(() => ModelHost.Open(foreign, 2, TimeSpan.FromSeconds(1), TextWriter.Null));
        StringAssert.Contains(error.Message, "foreign.zip");
        StringAssert.Contains(error.Message, "not a 28 x 28 digit classifier");
        Assert.DoesNotContain("mnistpipeline-serve-", error.Message, "the private copy is not named");
    }

    /// <summary>An intact ML.NET model that is not a digit classifier (Blobs, 5 features).</summary>
    private static byte[] OtherModel(TempFolder folder)
    {
        string path = folder.File($"other-{Guid.NewGuid():N}.zip");
        MnistPipeline.Tests.Reliability.TinyModel.TrainAndSave(path);
        return File.ReadAllBytes(path);
    }
}
