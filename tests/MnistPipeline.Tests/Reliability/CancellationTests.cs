using System.Diagnostics;
using Microsoft.ML;
using MnistPipeline.Tests.Training;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Reliability;

/// <summary>
/// A long training job is cancelled at a random moment: Fit must throw
/// <see cref="OperationCanceledException"/> within one batch, and the next Fit in the same process
/// must work and give the weights of a fresh run (nothing of the cancelled run lingers: libtorch
/// thread count, global generator, the Fit lock).
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    private const int Seed = 5150;
    private const int Points = 20;
    private const int Rows = 400;
    private const int BatchSize = 16;
    private const int Epochs = 24;
    private const int StepsPerEpoch = Rows / BatchSize;
    private const int TotalSteps = StepsPerEpoch * Epochs;

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Fit_CancelledAtTwentyRandomPoints_ThrowsWithinOneBatchAndNextFitMatchesFreshRun()
    {
        var ml = new MLContext(1);
        var (data, _) = TinyModel.Prepare(ml, rows: Rows);
        int threadsBefore = torch.get_num_threads();
        string fresh = Hash(ml, data, cancellation: null);

        var random = new Random(Seed);
        var rows = new List<string>();
        long worstSteps = 0;
        double worstMilliseconds = 0;
        for (int point = 0; point < Points; point++)
        {
            // Even points cancel from the training thread's own progress callback (the step is
            // known exactly); odd points from another thread while training runs on, which is how
            // a web request or a UI button cancels. Those are drawn in the first half, so that
            // training cannot finish before the other thread gets to run.
            bool fromOtherThread = point % 2 == 1;
            int step = fromOtherThread ? random.Next(TotalSteps / 2) : random.Next(TotalSteps);
            var result = CancelAt(ml, data, step, fromOtherThread);

            Assert.IsNotNull(result.Error, $"point {point}: cancelled at step {step}, Fit returned a model");
            Assert.IsInstanceOfType<OperationCanceledException>(result.Error, $"point {point}: {result.Error}");
            long stepsAfterCancel = result.LastStep - result.StepAtCancel;
            Assert.IsLessThanOrEqualTo(fromOtherThread ? 1 : 0, stepsAfterCancel,
                $"point {point}: cancelled after step {result.StepAtCancel}, the last step to finish was {result.LastStep}");
            Assert.IsLessThan(5_000, result.Latency.TotalMilliseconds, $"point {point}: {result.Latency.TotalMilliseconds:F1} ms from Cancel() to the exception");
            worstSteps = Math.Max(worstSteps, stepsAfterCancel);
            worstMilliseconds = Math.Max(worstMilliseconds, result.Latency.TotalMilliseconds);

            Assert.AreEqual(threadsBefore, torch.get_num_threads(), $"point {point}: libtorch's thread count is restored");
            Assert.AreEqual(fresh, Hash(ml, data, cancellation: null), $"point {point}: the next Fit gives the weights of a fresh run");
            rows.Add($"{point,2}  {(fromOtherThread ? "other thread" : "callback"),-12} step {result.StepAtCancel,4}/{TotalSteps}  "
                + $"steps after Cancel() {stepsAfterCancel}  latency {result.Latency.TotalMilliseconds,7:F2} ms");
        }
        TestContext.WriteLine($"seed {Seed}, {Points} cancellation points over {TotalSteps} steps:");
        foreach (string row in rows)
            TestContext.WriteLine(row);
        TestContext.WriteLine($"worst: {worstSteps} step(s) after Cancel(), {worstMilliseconds:F2} ms");
    }

    [TestMethod]
    public void Fit_CancelledDuringLastStep_ThrowsInsteadOfReturningAModel()
    {
        // Regression: the token was checked only before each step, so a cancellation during the
        // last one returned a model as if nothing had happened.
        var ml = new MLContext(1);
        var (data, _) = TinyModel.Prepare(ml, rows: Rows);
        var result = CancelAt(ml, data, TotalSteps - 1, fromOtherThread: false);
        Assert.IsInstanceOfType<OperationCanceledException>(result.Error);
        Assert.AreEqual(TotalSteps - 1, result.LastStep);
    }

    [TestMethod]
    public void Fit_CancelledFromLastEpochCallback_ThrowsInsteadOfReturningAModel()
    {
        var ml = new MLContext(1);
        var (data, _) = TinyModel.Prepare(ml, rows: Rows);
        using var cancellation = new CancellationTokenSource();
        var options = Options(cancellation.Token);
        options.EpochCompleted = m =>
        {
            if (m.Epoch == m.Epochs)
                cancellation.Cancel();
        };
        Assert.ThrowsExactly<OperationCanceledException>(() => new MlpTrainer(ml, options).Fit(data));
    }

    [TestMethod]
    public void Fit_TokenAlreadyCancelled_ThrowsBeforeTheFirstStep()
    {
        var ml = new MLContext(1);
        var (data, _) = TinyModel.Prepare(ml, rows: Rows);
        var options = Options(new CancellationToken(canceled: true));
        int steps = 0;
        options.ProgressChanged = _ => steps++;
        Assert.ThrowsExactly<OperationCanceledException>(() => new MlpTrainer(ml, options).Fit(data));
        Assert.AreEqual(0, steps);
    }

    private sealed record Cancelled(Exception? Error, long StepAtCancel, long LastStep, TimeSpan Latency);

    private static Cancelled CancelAt(MLContext ml, IDataView data, int step, bool fromOtherThread)
    {
        using var cancellation = new CancellationTokenSource();
        using var reached = new ManualResetEventSlim();
        long lastStep = -1, stepAtCancel = -1, cancelledAt = 0;
        // Runs inside Cancel(), on the cancelling thread: the moment and the step of the cancellation.
        cancellation.Token.Register(() =>
        {
            stepAtCancel = Interlocked.Read(ref lastStep);
            cancelledAt = Stopwatch.GetTimestamp();
        });
        var options = Options(cancellation.Token);
        options.ProgressChanged = p =>
        {
            Interlocked.Exchange(ref lastStep, p.Step);
            if (p.Step != step)
                return;
            if (fromOtherThread)
                reached.Set();
            else
                cancellation.Cancel();
        };
        Thread? canceller = null;
        if (fromOtherThread)
        {
            canceller = new Thread(() =>
            {
                if (reached.Wait(TimeSpan.FromMinutes(2)))
                    cancellation.Cancel();
            });
            canceller.Start();
        }

        Exception? error = null;
        long thrownAt = 0;
        try
        {
            new MlpTrainer(ml, options).Fit(data).Dispose();
        }
        catch (Exception e)
        {
            thrownAt = Stopwatch.GetTimestamp();
            error = e;
        }
        reached.Set(); // releases the other thread if training ended before the step
        canceller?.Join();
        var latency = error is null ? TimeSpan.Zero : Stopwatch.GetElapsedTime(cancelledAt, thrownAt);
        return new Cancelled(error, stepAtCancel, Interlocked.Read(ref lastStep), latency);
    }

    private static MlpTrainer.Options Options(CancellationToken token)
    {
        var options = TinyModel.Options(seed: 21);
        options.HiddenLayers = [32, 16];
        options.Epochs = Epochs;
        options.BatchSize = BatchSize;
        options.Dropout = 0.1; // draws from libtorch's global generator: a leftover would change the next run
        options.LogEveryNSteps = 1;
        options.ValidationFraction = 0; // every row trains: TotalSteps counts them all
        options.CancellationToken = token;
        return options;
    }

    private static string Hash(MLContext ml, IDataView data, CancellationToken? cancellation)
    {
        using var model = new MlpTrainer(ml, Options(cancellation ?? CancellationToken.None)).Fit(data);
        return MlpTrainerTests.WeightsHash(model);
    }
}
