using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Training;

[TestClass]
public sealed class MlpTrainerTests
{
    private static MlpTrainer.Options Small(int epochs = 5) => new()
    {
        HiddenLayers = [8],
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 11,
        NumberOfThreads = 1,
    };

    private sealed class FloatLabelRow
    {
        public float Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = new float[4];
    }

    /// <summary>LoadFromEnumerable stores a [KeyType] property as 0-based: 0 becomes key 1.</summary>
    private sealed class KeyLabelRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType(4)]
        public float[] Features { get; set; } = new float[4];
    }

    private sealed class DoubleFeatureRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType(4)]
        public double[] Features { get; set; } = new double[4];
    }

    private sealed class VariableFeatureRow
    {
        [KeyType(3)]
        public uint Label { get; set; }

        [VectorType]
        public float[] Features { get; set; } = new float[4];
    }

    [TestMethod]
    public void EstimatorContract_MlpTrainer_PromisedSchemaFitSaveLoadAndRejection()
    {
        var ml = new MLContext(1);
        var valid = Blobs.Load(ml, 60);
        var textLabel = ml.Transforms.Conversion.MapKeyToValue("Label").Fit(valid).Transform(valid);
        var otherFeatureCount = Blobs.Load(ml, 20, features: 4);
        using var model = EstimatorContract.Check(ml, new MlpTrainer(ml, Small()), valid, textLabel,
            labelColumn: "Label", invalidScoringInput: otherFeatureCount, scoringColumn: "Features");
    }

    [TestMethod]
    public void Fit_LabelNotKey_ThrowsWithMapValueToKeyHint()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new FloatLabelRow { Label = 1 } });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(ml, Small()).Fit(data));
        StringAssert.Contains(error.Message, "label column 'Label'");
        StringAssert.Contains(error.Message, "expected Key, got Single");
        StringAssert.Contains(error.Message, "MapValueToKey");
    }

    [TestMethod]
    public void Fit_FeatureColumnMissing_ThrowsNamingTheColumn()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 30);
        var options = Small();
        options.FeatureColumnName = "Pixels";
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(ml, options).Fit(data));
        StringAssert.Contains(error.Message, "feature column 'Pixels' in the training data");
        StringAssert.Contains(error.Message, "got no column of that name (columns: Name, Features, Label)");
    }

    [TestMethod]
    public void Fit_FeatureNotSingleVector_ThrowsWithExpectedAndFoundTypes()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new DoubleFeatureRow { Label = 1 } });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(ml, Small()).Fit(data));
        StringAssert.Contains(error.Message, "feature column 'Features'");
        StringAssert.Contains(error.Message, "expected a known-size vector of Single");
        StringAssert.Contains(error.Message, "Double");
    }

    [TestMethod]
    public void Fit_FeatureOfUnknownSize_Throws()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VariableFeatureRow { Label = 1 } });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(ml, Small()).Fit(data));
        StringAssert.Contains(error.Message, "known-size vector");
    }

    [TestMethod]
    public void Fit_EmptyTrainingData_ThrowsInvalidOperation()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Array.Empty<KeyLabelRow>());
        var error = Assert.Throws<InvalidOperationException>(() => new MlpTrainer(ml, Small()).Fit(data));
        StringAssert.Contains(error.Message, "no usable rows");
    }

    [TestMethod]
    public void Fit_OnlyMissingLabels_ThrowsCountingSkippedRows()
    {
        var ml = new MLContext(1);
        var raw = ml.Data.LoadFromEnumerable(new[] { new FloatLabelRow { Label = float.NaN }, new FloatLabelRow { Label = float.NaN } });
        var terms = ml.Data.LoadFromEnumerable(new[] { new FloatLabelRow { Label = 1 }, new FloatLabelRow { Label = 2 } });
        var data = ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Transforms.SelectColumns("Label").Fit(terms).Transform(terms))
            .Fit(raw).Transform(raw);
        var error = Assert.Throws<InvalidOperationException>(() => new MlpTrainer(ml, Small()).Fit(data));
        StringAssert.Contains(error.Message, "rows with a missing label: 2");
    }

    [TestMethod]
    public void Fit_ValidationWithOtherFeatureSize_ThrowsNamingBothSizes()
    {
        var ml = new MLContext(1);
        var train = Blobs.Load(ml, 30, features: 5);
        var validation = Blobs.Load(ml, 30, features: 6);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(ml, Small()).Fit(train, validation));
        StringAssert.Contains(error.Message, "validation data");
        StringAssert.Contains(error.Message, "Vector<Single, 5>");
        StringAssert.Contains(error.Message, "Vector<Single, 6>");
    }

    [TestMethod]
    public void Fit_BatchLargerThanRowCount_TrainsOneStepPerEpoch()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 50);
        var options = Small(epochs: 3);
        options.BatchSize = 1000;
        options.LogEveryNSteps = 1;
        var steps = new List<long>();
        options.ProgressChanged = p => steps.Add(p.Step);
        using var model = new MlpTrainer(ml, options).Fit(data);
        CollectionAssert.AreEqual(new long[] { 0, 1, 2 }, steps);
        Assert.HasCount(3, model.TrainingHistory);
    }

    [TestMethod]
    public void Fit_CancelledDuringEpoch_ThrowsWithinOneBatch()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 400);
        using var cancellation = new CancellationTokenSource();
        var options = Small(epochs: 50);
        options.LogEveryNSteps = 1;
        options.CancellationToken = cancellation.Token;
        long lastStep = -1;
        options.ProgressChanged = p =>
        {
            lastStep = p.Step;
            if (p.Step == 30)
                cancellation.Cancel();
        };
        Assert.ThrowsExactly<OperationCanceledException>(() => new MlpTrainer(ml, options).Fit(data));
        Assert.AreEqual(30, lastStep, "no step runs after the cancellation");
    }

    [TestMethod]
    public void Fit_DivergingLearningRate_ThrowsClearErrorInsteadOfNaNModel()
    {
        var ml = new MLContext(1);
        var rows = Blobs.Rows(200, 5, 3, seed: 4);
        foreach (var row in rows)
            for (int j = 0; j < row.Features.Length; j++)
                row.Features[j] *= 1e4f;
        var raw = ml.Data.LoadFromEnumerable(rows, WithVectorSize(5));
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Name").Fit(raw).Transform(raw);
        var options = Small(epochs: 20);
        options.Optimizer = NetworkOptimizer.Sgd;
        options.Loss = ClassificationLoss.SquaredError;
        options.LearningRate = 10;
        var error = Assert.Throws<InvalidOperationException>(() => new MlpTrainer(ml, options).Fit(data));
        StringAssert.Contains(error.Message, "Training diverged");
        StringAssert.Contains(error.Message, "Lower LearningRate");
    }

    [TestMethod]
    public void Fit_EarlyStoppingWithoutValidationData_ThrowsSayingWhatIsNeeded()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.EarlyStoppingPatience = 2;
        options.ValidationFraction = 0; // keep no rows out: then nothing can be validated
        var error = Assert.Throws<ArgumentException>(() => new MlpTrainer(ml, options).Fit(Blobs.Load(ml, 30)));
        StringAssert.Contains(error.Message, "EarlyStoppingPatience needs validation rows");
        StringAssert.Contains(error.Message, "ValidationFraction > 0 (it is 0)");
    }

    [TestMethod]
    public void Fit_SameSeedTwice_BitIdenticalWeights()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 200);
        using var first = new MlpTrainer(ml, Small()).Fit(data);
        using var second = new MlpTrainer(ml, Small()).Fit(data);
        var other = Small();
        other.Seed = 12;
        using var third = new MlpTrainer(ml, other).Fit(data);

        Assert.AreEqual(WeightsHash(first), WeightsHash(second));
        Assert.AreNotEqual(WeightsHash(first), WeightsHash(third), "another seed gives other weights");
    }

    [TestMethod]
    public void Fit_FreshProcessesWithSameSeedAndThreads_BitIdenticalWeights()
    {
        var first = TestWorker.Run(TimeSpan.FromMinutes(2), "train-hash", "7", "2");
        var second = TestWorker.Run(TimeSpan.FromMinutes(2), "train-hash", "7", "2");
        var otherSeed = TestWorker.Run(TimeSpan.FromMinutes(2), "train-hash", "8", "2");
        Assert.AreEqual(0, first.ExitCode, first.StandardError);
        Assert.AreEqual(64, first.StandardOutput.Length, "a SHA-256 in hex");
        Assert.AreEqual(first.StandardOutput, second.StandardOutput);
        Assert.AreNotEqual(first.StandardOutput, otherSeed.StandardOutput);
    }

    [TestMethod]
    public void Fit_SeedUnset_FollowsMLContextSeed()
    {
        var options = Small();
        options.Seed = null;
        using var a = new MlpTrainer(new MLContext(seed: 5), options).Fit(Blobs.Load(new MLContext(1), 100));
        using var b = new MlpTrainer(new MLContext(seed: 5), options).Fit(Blobs.Load(new MLContext(1), 100));
        using var c = new MlpTrainer(new MLContext(seed: 6), options).Fit(Blobs.Load(new MLContext(1), 100));
        Assert.AreEqual(WeightsHash(a), WeightsHash(b), "the same MLContext seed gives the same weights");
        Assert.AreNotEqual(WeightsHash(a), WeightsHash(c), "another MLContext seed gives other weights");
    }

    [TestMethod]
    public void Fit_WithValidation_ReportsEveryEpochAndStopsEarlyKeepingBestWeights()
    {
        var ml = new MLContext(1);
        // Few noisy rows: the network overfits and the validation loss turns up.
        var train = Blobs.Load(ml, 24, features: 20, classes: 3, seed: 1, spread: 2.5f);
        var validation = Blobs.Load(ml, 300, features: 20, classes: 3, seed: 1, spread: 2.5f);
        var options = new MlpTrainer.Options
        {
            HiddenLayers = [64, 64], Epochs = 300, BatchSize = 8, LearningRate = 0.01, Seed = 2,
            NumberOfThreads = 1, EarlyStoppingPatience = 3, LearningRateSchedule = LearningRateSchedule.Constant,
            // The temperature fitted on the validation data would lower its loss below the best epoch's.
            Calibration = ProbabilityCalibration.None,
        };
        var reported = new List<EpochMetrics>();
        options.EpochCompleted = reported.Add;

        using var model = new MlpTrainer(ml, options).Fit(train, validation);

        Assert.IsLessThan(300, reported.Count, "training stopped early");
        CollectionAssert.AreEqual(reported, model.TrainingHistory.ToList());
        Assert.IsTrue(reported.All(m => m.ValidationLoss is not null && m.ValidationAccuracy is not null));
        double best = reported.Min(m => m.ValidationLoss!.Value);
        Assert.AreEqual(best, reported[^4].ValidationLoss!.Value, 1e-12, "patience 3: stopped 3 epochs after the best");
        double finalLoss = ml.MulticlassClassification.Evaluate(model.Transform(validation)).LogLoss;
        Assert.AreEqual(best, finalLoss, 1e-4, "the model has the best epoch's weights");
    }

    [TestMethod]
    public void Fit_ManyEpochs_LiveTensorCountStaysFlat()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 200);
        var options = Small(epochs: 8);
        var live = new List<long>();
        options.EpochCompleted = _ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using var model = new MlpTrainer(ml, options).Fit(data);
        Assert.HasCount(8, live);
        Assert.AreEqual(live[1], live[^1], $"live tensors per epoch: {string.Join(", ", live)}");
    }

    [TestMethod]
    [DataRow(7, 2)]
    [DataRow(3, 5)]
    public void Fit_AnyFeatureAndClassCount_ShapesFollowTheData(int features, int classes)
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 100, features, classes);
        using var model = new MlpTrainer(ml, Small()).Fit(data);
        Assert.AreEqual(features, model.Model.InputSize);
        Assert.AreEqual(classes, model.Model.OutputSize);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, classes), model.Transform(data).Schema["Score"].Type);
        Assert.AreEqual((long)features * 8 + 8 + 8 * classes + classes, model.Model.ParameterCount);
    }

    [TestMethod]
    public void Fit_LabelWithoutKeyValues_PredictedLabelIsKeyOfSameCount()
    {
        var ml = new MLContext(1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 150).Select(i =>
        {
            uint label = (uint)(i % 3);
            return new KeyLabelRow { Label = label, Features = Enumerable.Range(0, 4).Select(j => j == label ? 3f : (float)random.NextDouble()).ToArray() };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        using var model = new MlpTrainer(ml, Small(epochs: 30)).Fit(data);
        var scored = model.Transform(data);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), scored.Schema["PredictedLabel"].Type);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsGreaterThan(0.9, metrics.MicroAccuracy);
    }

    [TestMethod]
    public void Fit_LogsHeaderStepLinesAndEpochLinesToMLContextLog()
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Source.StartsWith("MnistPipeline.Mlp", StringComparison.Ordinal))
                lines.Add(e.RawMessage);
        };
        var options = Small(epochs: 2);
        options.LogEveryNSteps = 5;
        options.ValidationFraction = 0; // every row trains
        using var model = new MlpTrainer(ml, options).Fit(Blobs.Load(ml, 160));
        Assert.IsTrue(lines.Any(l => l.StartsWith("MLP 5-8-3 (Relu), 75 parameters; 160 training rows", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.IsTrue(lines.Any(l => l.StartsWith("Task: multiclass (3 classes), loss CrossEntropy, label smoothing 0. Options: optimizer Adam", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.AreEqual(4, lines.Count(l => l.StartsWith("Step ", StringComparison.Ordinal)), "20 steps, a line every 5");
        StringAssert.Matches(lines.First(l => l.StartsWith("Step 0:", StringComparison.Ordinal)),
            new System.Text.RegularExpressions.Regex(@"^Step 0: Loss is: \d+\.\d{4} Accuracy: \d\.\d{4}$"));
        Assert.AreEqual(2, lines.Count(l => l.StartsWith("Epoch ", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Options_ChangedAfterConstruction_DoNotAffectTheTrainer()
    {
        var ml = new MLContext(1);
        var data = Blobs.Load(ml, 60);
        var options = Small(epochs: 2);
        var trainer = new MlpTrainer(ml, options);
        options.Epochs = 7;
        options.HiddenLayers[0] = 99;
        using var model = trainer.Fit(data);
        Assert.HasCount(2, model.TrainingHistory);
        Assert.AreEqual(8, model.Model.Layers[0].OutputSize);
    }

    internal static string WeightsHash(MlpTransformer model)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var layer in model.Model.Layers)
        {
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weights.Span));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Bias.Span));
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    private static SchemaDefinition WithVectorSize(int size)
    {
        var schema = SchemaDefinition.Create(typeof(Blobs.Row));
        schema[nameof(Blobs.Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return schema;
    }
}
