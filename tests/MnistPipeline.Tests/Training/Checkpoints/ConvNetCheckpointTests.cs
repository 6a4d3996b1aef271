using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Training.Checkpoints;

namespace MnistPipeline.Tests.Training.Checkpoints;

/// <summary>
/// Checkpoints of the convolutional network, in one process: batch normalization's running
/// statistics (module buffers) are saved and restored with the parameters, also in the best
/// weights of early stopping, so a resumed Fit gives the same ONNX bytes as an uninterrupted one;
/// a checkpoint of other layers, another image shape or another kind of network is refused naming
/// the difference. (The kill -9 scenario "convnet" is in <see cref="CheckpointKillTests"/>.)
/// </summary>
[TestClass]
public sealed class ConvNetCheckpointTests
{
    private const int Rows = 120;
    private const int BatchSize = 16;
    private const int Epochs = 4;
    private const int StepsPerEpoch = (Rows + BatchSize - 1) / BatchSize;
    private const int TotalSteps = StepsPerEpoch * Epochs;

    public TestContext TestContext { get; set; } = null!;

    /// <summary>conv 4@3×3 + BN, max pool, dropout, dense 8 on 8 × 8 images; validation every epoch with early stopping.</summary>
    private static ConvNetTrainer.Options Options(string? checkpoint) => new()
    {
        Layers =
        [
            ConvNetLayerSpec.Convolution(4, kernelSize: 3, batchNormalization: true),
            ConvNetLayerSpec.MaxPooling(2),
            ConvNetLayerSpec.Dropout(0.2),
            ConvNetLayerSpec.Dense(8),
        ],
        Epochs = Epochs,
        BatchSize = BatchSize,
        ValidationFraction = 0, // every row trains: the step counts above count them all
        LearningRate = 0.05,
        Optimizer = NetworkOptimizer.Adam,
        Shuffle = true,
        EarlyStoppingPatience = 2,
        Seed = 31,
        NumberOfThreads = 1,
        LogEveryNSteps = 1,
        CheckpointPath = checkpoint,
    };

    private static FitOutcome Fit(MLContext ml, IDataView data, IDataView? validation, NetworkTrainerOptions options, long? cancelAfterStep = null)
        => CancellableFit.Run(ml, data, validation, options, cancelAfterStep);

    /// <summary>Bar images with the pixels as a <c>Vector&lt;Single, dims…&gt;</c> column "Features": the same values in any shape.</summary>
    private static IDataView Images(MLContext ml, int rows, int seed, params int[] dims)
    {
        var schema = SchemaDefinition.Create(typeof(BarImages.Row));
        var image = schema[nameof(BarImages.Row.Image)];
        image.ColumnName = "Features";
        image.ColumnType = new VectorDataViewType(NumberDataViewType.Single, dims);
        var raw = ml.Data.LoadFromEnumerable(BarImages.Rows(rows, size: 8, seed: seed), schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(BarImages.Row.Name)).Fit(raw).Transform(raw);
    }

    private static EpochMetrics WithoutTime(EpochMetrics m) => m with { Elapsed = TimeSpan.Zero };

    [TestMethod]
    public void Fit_ConvNetWithBatchNormCancelledAndResumed_ResumesToTheOnnxBytesAndHistoryOfUninterruptedRun()
    {
        var ml = new MLContext(1);
        var data = Images(ml, Rows, seed: 1, 8, 8);
        var validation = Images(ml, 45, seed: 2, 8, 8);
        var reference = Fit(ml, data, validation, Options(checkpoint: null));
        Assert.IsNull(reference.Error, reference.Error?.ToString());
        TestContext.WriteLine($"reference: {reference.History!.Count} epochs of {Epochs}");

        using var folder = new TempFolder();
        string path = folder.File("convnet.ckpt");
        var random = new Random(1406);
        long limit = reference.History.Count * StepsPerEpoch;
        // One point in the first epoch (no best weights yet), one after it (best weights with their buffers).
        long[] points = [random.Next(1, StepsPerEpoch - 1), random.Next(StepsPerEpoch + 1, (int)limit - 1)];
        var entries = new List<string[]>();
        foreach (long point in points)
        {
            var cancelled = Fit(ml, data, validation, Options(path), point);
            Assert.IsInstanceOfType<TrainingCanceledException>(cancelled.Error, cancelled.Error?.ToString());
            entries.Add([.. CheckpointFile.Read(path).Manifest.Entries.Select(e => e.Name)]);
            TestContext.WriteLine($"cancelled after step {point}: {string.Join(", ", entries[^1])}");
        }
        foreach (string buffer in new[] { "running_mean", "running_var", "num_batches_tracked" })
        {
            Assert.Contains($"module/norms.0.{buffer}", entries[0], "the module's buffers are in every checkpoint");
            Assert.Contains($"best/norms.0.{buffer}", entries[1], "and in the best weights once there are any");
        }

        var resumed = Fit(ml, data, validation, Options(path));
        Assert.IsNull(resumed.Error, resumed.Error?.ToString());
        Assert.AreEqual(reference.Hash, resumed.Hash, "bit-identical ONNX bytes: weights and running statistics");
        Assert.AreEqual(reference.History.Count * StepsPerEpoch - points[1] - 1, resumed.StepsTrained, "the last Fit trains only the steps left");
        CollectionAssert.AreEqual(reference.History.Select(WithoutTime).ToList(), resumed.History!.Select(WithoutTime).ToList());
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public void Fit_ConvNetCheckpointOfOtherLayersImageShapeOrNetworkKind_ThrowsMismatchNamingIt()
    {
        var ml = new MLContext(1);
        var data = Images(ml, Rows, seed: 1, 8, 8);
        var validation = Images(ml, 45, seed: 2, 8, 8);
        using var folder = new TempFolder();
        string path = folder.File("layers.ckpt");
        Assert.IsInstanceOfType<TrainingCanceledException>(Fit(ml, data, validation, Options(path), cancelAfterStep: 3).Error);
        byte[] before = File.ReadAllBytes(path);

        var noNorm = Options(path);
        noNorm.Layers = [ConvNetLayerSpec.Convolution(4, kernelSize: 3), .. noNorm.Layers[1..]];
        var layers = Fit(ml, data, validation, noNorm).Error as CheckpointMismatchException;
        Assert.IsNotNull(layers);
        Assert.AreEqual(new CheckpointDifference("Layers", "[conv 4@3×3 + BN, max pool 2×2, dropout 0.2, dense 8]", "[conv 4@3×3, max pool 2×2, dropout 0.2, dense 8]"),
            layers.Differences.Single());

        var shaped = Options(path);
        shaped.ImageShape = ImageShape.Grayscale(8, 8); // the column's own shape: the same network, but another option
        var shape = Fit(ml, data, validation, shaped).Error as CheckpointMismatchException;
        Assert.IsNotNull(shape);
        Assert.AreEqual(new CheckpointDifference("ImageShape", "none", "1×8×8"), shape.Differences.Single());

        var mlp = new MlpTrainer.Options
        {
            HiddenLayers = [8], Epochs = Epochs, BatchSize = BatchSize, LearningRate = 0.05, Optimizer = NetworkOptimizer.Adam, Shuffle = true,
            EarlyStoppingPatience = 2, Seed = 31, NumberOfThreads = 1, CheckpointPath = path,
        };
        var kind = Fit(ml, data, validation, mlp).Error as CheckpointMismatchException;
        Assert.IsNotNull(kind, "an MLP does not resume a ConvNet's checkpoint");
        Assert.AreEqual(new CheckpointDifference("trainer", "ConvNetTrainer.Options", "MlpTrainer.Options"), kind.Differences[0]);
        TestContext.WriteLine(kind.Message);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "a refused checkpoint is left as it was");
    }

    [TestMethod]
    public void Fit_ConvNetCheckpointOfTheSameValuesInAnotherImageShape_ThrowsMismatchNamingTheNetworkOrStartsAfresh()
    {
        // Same options, same values, same feature count: only the column's dimensions (8 × 8
        // against 4 × 16) differ, so only the network built from them tells the runs apart.
        var ml = new MLContext(1);
        var square = Images(ml, Rows, seed: 1, 8, 8);
        var wide = Images(ml, Rows, seed: 1, 4, 16);
        using var folder = new TempFolder();
        string path = folder.File("network.ckpt");
        ConvNetTrainer.Options Unvalidated(string? checkpoint)
        {
            var o = Options(checkpoint);
            o.EarlyStoppingPatience = null; // no validation data here
            return o;
        }
        Assert.IsInstanceOfType<TrainingCanceledException>(Fit(ml, square, null, Unvalidated(path), cancelAfterStep: 3).Error);

        var error = Fit(ml, wide, null, Unvalidated(path)).Error as CheckpointMismatchException;
        Assert.IsNotNull(error, "the same data read as other images is another training run");
        var difference = error.Differences.Single();
        Assert.AreEqual(CheckpointFingerprint.NetworkItem, difference.Item);
        StringAssert.StartsWith(difference.InCheckpoint, "ConvNet 1×8×8: conv 4@3×3 + BN");
        StringAssert.StartsWith(difference.Now, "ConvNet 1×4×16: conv 4@3×3 + BN");
        Assert.IsTrue(File.Exists(path), "a refused checkpoint is kept");

        var reference = Fit(ml, wide, null, Unvalidated(checkpoint: null));
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning)
                warnings.Add(e.RawMessage);
        };
        var afresh = Unvalidated(path);
        afresh.CheckpointMismatch = CheckpointMismatchAction.StartAfresh;
        var outcome = Fit(ml, wide, null, afresh);
        Assert.IsNull(outcome.Error, outcome.Error?.ToString());
        Assert.AreEqual(reference.Hash, outcome.Hash, "the weights of a run from the start");
        Assert.AreEqual(TotalSteps, outcome.StepsTrained);
        Assert.IsTrue(warnings.Any(w => w.Contains("network: checkpoint ConvNet 1×8×8", StringComparison.Ordinal) && w.Contains("starts from the beginning", StringComparison.Ordinal)),
            string.Join("\n", warnings));
        Assert.IsFalse(File.Exists(path));
    }
}
