using System.Collections.Concurrent;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.Training;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// A web app serves one loaded model to many threads; a job runner may train several models at
/// once. Scoring must give exactly the single-threaded results; Fits are serialized (libtorch's
/// threads and random state are process-wide) and give the weights of a sequential run.
/// </summary>
[TestClass]
public sealed class ConcurrencyTests
{
    private const int Threads = 8;
    private const int PredictionsPerThread = 2000;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PredictionEnginePerThread_LoadedModel_EightThreadsGiveSingleThreadedResults()
    {
        var (ml, model, inputs, expected) = LoadedModelAndExpectedResults();
        try
        {
            var results = RunOnThreads(thread =>
            {
                // One engine per thread: a PredictionEngine is not thread-safe.
                using var engine = CreateEngine(ml, model);
                return PredictAll(thread, inputs, input => engine.Predict(input));
            });
            AssertSameAsSingleThreaded(expected, results);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void ObjectPoolOfEngines_LoadedModel_EightThreadsGiveSingleThreadedResults()
    {
        // Microsoft.Extensions.ML's PredictionEnginePool is not available from this project's
        // package source; an ObjectPool of engines is the same pattern: rent per prediction.
        var (ml, model, inputs, expected) = LoadedModelAndExpectedResults();
        try
        {
            var policy = new EnginePolicy(ml, model);
            var pool = new DefaultObjectPool<PredictionEngine<TinyModel.Input, TinyModel.Output>>(policy, maximumRetained: Threads);
            var results = RunOnThreads(thread => PredictAll(thread, inputs, input =>
            {
                var engine = pool.Get();
                try
                {
                    return engine.Predict(input);
                }
                finally
                {
                    pool.Return(engine);
                }
            }));
            AssertSameAsSingleThreaded(expected, results);
            TestContext.WriteLine($"engines created by the pool: {policy.Created}");
            Assert.IsLessThanOrEqualTo(Threads, policy.Created, "never more engines than threads renting at once");
            foreach (var engine in policy.All)
                engine.Dispose();
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    [TestMethod]
    public void Fit_TwoThreadsWithOwnContexts_SerializedAndSameWeightsAsSequential()
    {
        // Different seeds: if the two Fits interleaved on libtorch's global generator, at least
        // one of them would draw other numbers than when it runs alone.
        string sequentialA = TrainHash(seed: 3, events: null, id: 'A');
        string sequentialB = TrainHash(seed: 4, events: null, id: 'B');

        var events = new ConcurrentQueue<char>();
        using var start = new Barrier(2);
        string parallelA = "", parallelB = "";
        var a = new Thread(() => { start.SignalAndWait(); parallelA = TrainHash(3, events, 'A'); });
        var b = new Thread(() => { start.SignalAndWait(); parallelB = TrainHash(4, events, 'B'); });
        a.Start();
        b.Start();
        Assert.IsTrue(a.Join(TimeSpan.FromMinutes(3)) && b.Join(TimeSpan.FromMinutes(3)), "both Fits finish");

        Assert.AreEqual(sequentialA, parallelA, "Fit A in parallel = Fit A alone");
        Assert.AreEqual(sequentialB, parallelB, "Fit B in parallel = Fit B alone");
        string order = new(events.ToArray());
        int switches = Enumerable.Range(1, order.Length - 1).Count(i => order[i] != order[i - 1]);
        TestContext.WriteLine($"progress order: {order[0]} x{order.TakeWhile(c => c == order[0]).Count()}, then {order[^1]}, {switches} switch(es)");
        Assert.AreEqual(1, switches, "one Fit runs all its steps, then the other: Fits are serialized");
    }

    private static string TrainHash(int seed, ConcurrentQueue<char>? events, char id)
    {
        var ml = new MLContext(seed);
        var (data, _) = TinyModel.Prepare(ml, rows: 300);
        var options = TinyModel.Options(seed);
        options.Epochs = 4;
        options.Dropout = 0.2; // dropout draws from libtorch's global generator during every step
        options.LogEveryNSteps = 1;
        if (events is not null)
            options.ProgressChanged = _ => events.Enqueue(id);
        using var model = new MlpTrainer(ml, options).Fit(data);
        return MlpTrainerTests.WeightsHash(model);
    }

    private (MLContext Ml, ITransformer Model, TinyModel.Input[] Inputs, TinyModel.Output[] Expected) LoadedModelAndExpectedResults()
    {
        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"concurrency-{Guid.NewGuid():N}.zip");
        TinyModel.TrainAndSave(path);
        var ml = new MLContext();
        var model = ml.Model.LoadChecked(path, out _);
        var inputs = TinyModel.Inputs(PredictionsPerThread, seed: 17);
        using var engine = CreateEngine(ml, model);
        var expected = inputs.Select(input => engine.Predict(input)).ToArray();
        Assert.IsGreaterThan(1, expected.Select(e => e.PredictedLabel).Distinct().Count(), "the inputs cover several classes");
        return (ml, model, inputs, expected);
    }

    [TestMethod]
    public void PredictionEngineDispose_DefaultOptions_DisposesTheSharedModel()
    {
        // Why the engines above are created with OwnsTransformer = false (README, "Serving"):
        // ML.NET's default makes an engine own the model, so disposing one engine (say, at the
        // end of a request) breaks every other engine and the model itself.
        var (ml, model, inputs, _) = LoadedModelAndExpectedResults();
        using var survivor = CreateEngine(ml, model);
        ml.Model.CreatePredictionEngine<TinyModel.Input, TinyModel.Output>(model).Dispose();
        Assert.Throws<Exception>(() => survivor.Predict(inputs[0]), "ML.NET 5.0.1: the shared model was disposed with the engine");

        var (ml2, model2, inputs2, expected2) = LoadedModelAndExpectedResults();
        using var survivor2 = CreateEngine(ml2, model2);
        CreateEngine(ml2, model2).Dispose();
        Assert.AreEqual(expected2[0].PredictedLabel, survivor2.Predict(inputs2[0]).PredictedLabel, "OwnsTransformer = false: the model lives on");
        (model2 as IDisposable)?.Dispose();
    }

    /// <summary>An engine that does not own the model: disposing it leaves the model to its owner.</summary>
    private static PredictionEngine<TinyModel.Input, TinyModel.Output> CreateEngine(MLContext ml, ITransformer model)
        => ml.Model.CreatePredictionEngine<TinyModel.Input, TinyModel.Output>(model, new PredictionEngineOptions { OwnsTransformer = false });

    /// <summary>Each thread predicts every input, starting at its own offset so that threads are on different rows.</summary>
    private static TinyModel.Output[] PredictAll(int thread, TinyModel.Input[] inputs, Func<TinyModel.Input, TinyModel.Output> predict)
    {
        var results = new TinyModel.Output[inputs.Length];
        int offset = thread * inputs.Length / Threads;
        for (int k = 0; k < inputs.Length; k++)
        {
            int i = (offset + k) % inputs.Length;
            results[i] = predict(inputs[i]);
        }
        return results;
    }

    private static TinyModel.Output[][] RunOnThreads(Func<int, TinyModel.Output[]> work)
    {
        var results = new TinyModel.Output[Threads][];
        var errors = new ConcurrentQueue<Exception>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[t] = work(t);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (var thread in threads)
            thread.Start();
        foreach (var thread in threads)
            Assert.IsTrue(thread.Join(TimeSpan.FromMinutes(3)), "a scoring thread did not finish");
        Assert.IsEmpty(errors, string.Join("\n", errors));
        return results;
    }

    private void AssertSameAsSingleThreaded(TinyModel.Output[] expected, TinyModel.Output[][] results)
    {
        int compared = 0, mismatches = 0;
        foreach (var perThread in results)
        {
            for (int i = 0; i < expected.Length; i++, compared++)
            {
                bool same = perThread[i].PredictedLabel == expected[i].PredictedLabel
                    && perThread[i].Score.Length == expected[i].Score.Length
                    && perThread[i].Score.Zip(expected[i].Score).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
                if (!same)
                    mismatches++;
            }
        }
        TestContext.WriteLine($"{Threads} threads x {PredictionsPerThread:N0} predictions = {compared:N0} compared bit for bit with the single-threaded run: {mismatches} different");
        Assert.AreEqual(Threads * PredictionsPerThread, compared);
        Assert.AreEqual(0, mismatches);
    }

    private sealed class EnginePolicy(MLContext ml, ITransformer model) : IPooledObjectPolicy<PredictionEngine<TinyModel.Input, TinyModel.Output>>
    {
        private readonly ConcurrentBag<PredictionEngine<TinyModel.Input, TinyModel.Output>> _all = [];

        public int Created => _all.Count;

        public IEnumerable<PredictionEngine<TinyModel.Input, TinyModel.Output>> All => _all;

        public PredictionEngine<TinyModel.Input, TinyModel.Output> Create()
        {
            var engine = CreateEngine(ml, model);
            _all.Add(engine);
            return engine;
        }

        public bool Return(PredictionEngine<TinyModel.Input, TinyModel.Output> obj) => true;
    }
}
