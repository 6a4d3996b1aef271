using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Tests.Contracts;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using MnistPipeline.Transforms;
using TorchSharp;

namespace MnistPipeline.Tests.Training;

[TestClass]
public sealed class ConvNetTrainerTests
{
    public TestContext TestContext { get; set; } = null!;

    /// <summary>A tiny network for 8 × 8 images: conv 4@3×3 + BN, max pool, dense 8.</summary>
    private static ConvNetTrainer.Options Small(int epochs = 4) => new()
    {
        Layers =
        [
            ConvNetLayerSpec.Convolution(4, kernelSize: 3, batchNormalization: true),
            ConvNetLayerSpec.MaxPooling(2),
            ConvNetLayerSpec.Dense(8),
        ],
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 11,
        NumberOfThreads = 1,
    };

    private static double Accuracy(MLContext ml, ITransformer model, IDataView data)
        => ml.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy;

    [TestMethod]
    public void EstimatorContract_ConvNetTrainer_PromisedSchemaFitSaveLoadAndRejection()
    {
        var ml = new MLContext(1);
        var valid = BarImages.Load(ml, 60);
        var textLabel = ml.Transforms.Conversion.MapKeyToValue("Label").Fit(valid).Transform(valid);
        var otherSize = BarImages.Load(ml, 20, size: 7);
        using var model = EstimatorContract.Check(ml, new ConvNetTrainer(ml, Small()), valid, textLabel,
            labelColumn: "Label", invalidScoringInput: otherSize, scoringColumn: "Features");
    }

    [TestMethod]
    public void Fit_BarImages_LearnsThemAndTheLoadedModelScoresAlike()
    {
        var ml = new MLContext(1);
        var train = BarImages.Load(ml, 300, seed: 1);
        var test = BarImages.Load(ml, 150, seed: 2);
        using var model = new ConvNetTrainer(ml, Small(epochs: 8)).Fit(train);
        double accuracy = Accuracy(ml, model, test);
        TestContext.WriteLine($"bar images: test accuracy {accuracy:F4} after 8 epochs on 300 rows");
        Assert.IsGreaterThan(0.9, accuracy);

        string path = Path.Combine(TestContext.TestRunResultsDirectory!, $"convnet-{Guid.NewGuid():N}.zip");
        ml.Model.SaveAtomically(model, train.Schema, path);
        var fresh = new MLContext();
        using var loaded = (IDisposable)fresh.Model.LoadChecked(path, out _);
        var expected = ml.Data.CreateEnumerable<Scored>(model.Transform(test), reuseRowObject: false).ToArray();
        var actual = fresh.Data.CreateEnumerable<Scored>(((ITransformer)loaded).Transform(test), reuseRowObject: false).ToArray();
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i}");
            worst = Math.Max(worst, expected[i].Score.Zip(actual[i].Score, (a, b) => Math.Abs(a - b)).Max());
        }
        Assert.IsLessThanOrEqualTo(1e-5f, worst, "largest score difference between the fitted and the loaded model");
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void Fit_ImageShapeFromTwoDimensionalColumn_OneChannel()
    {
        var ml = new MLContext(1);
        using var model = new ConvNetTrainer(ml, Small(epochs: 1)).Fit(BarImages.Load(ml, 30, size: 9));
        Assert.AreEqual(new ImageShape(1, 9, 9), model.Model.InputShape);
    }

    [TestMethod]
    public void Fit_ImageShapeFromThreeDimensionalColumn_ChannelsFirst()
    {
        var ml = new MLContext(1);
        var data = BarImages.Load(ml, 90, channels: 2);
        using var model = new ConvNetTrainer(ml, Small(epochs: 6)).Fit(data);
        Assert.AreEqual(new ImageShape(2, 8, 8), model.Model.InputShape);
        Assert.AreEqual(2, ((ConvolutionLayer)model.Model.FeatureLayers[0]).InputShape.Channels);
        Assert.IsGreaterThan(0.8, Accuracy(ml, model, BarImages.Load(ml, 60, channels: 2, seed: 3)));
    }

    [TestMethod]
    public void Fit_FlatVectorWithImageShapeOption_UsesTheOption()
    {
        var ml = new MLContext(1);
        var options = Small(epochs: 1);
        options.ImageShape = new ImageShape(2, 8, 8);
        using var model = new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 30, channels: 2, flat: true));
        Assert.AreEqual(new ImageShape(2, 8, 8), model.Model.InputShape);
    }

    [TestMethod]
    public void Fit_FlatVectorWithImageShapeOption_AugmentsImagesOfThatShape()
    {
        // The augmentation's own height and width are unset: it takes the network's image, which
        // here only the ImageShape option gives (the column is flat).
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith("MnistPipeline", StringComparison.Ordinal)) lock (messages) messages.Add(e.RawMessage); };
        var augmented = Small(epochs: 1);
        augmented.ImageShape = new ImageShape(2, 8, 8);
        augmented.Augmentation = new ImageAugmentation { MaxShift = 1 };
        var plain = Small(epochs: 1);
        plain.ImageShape = new ImageShape(2, 8, 8);
        var data = BarImages.Load(ml, 30, channels: 2, flat: true);

        using var a = new ConvNetTrainer(ml, augmented).Fit(data);
        using var b = new ConvNetTrainer(ml, plain).Fit(data);

        Assert.IsTrue(messages.Any(m => m.StartsWith("Augmentation of every training batch: 2 x 8 x 8 images;", StringComparison.Ordinal)), string.Join(Environment.NewLine, messages));
        CollectionAssert.AreNotEqual(a.Model.DenseLayers[0].Weights.ToArray(), b.Model.DenseLayers[0].Weights.ToArray(), "the augmentation changed what was trained on");
    }

    [TestMethod]
    public void Fit_FlatVectorWithoutImageShape_ThrowsNamingColumnAndOption()
    {
        var ml = new MLContext(1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNetTrainer(ml, Small()).Fit(BarImages.Load(ml, 30, flat: true)));
        StringAssert.Contains(error.Message, "feature column 'Features' in the training data");
        StringAssert.Contains(error.Message, "expected an image: Vector<Single, H, W> or Vector<Single, C, H, W>, or a flat vector with the option ImageShape");
        StringAssert.Contains(error.Message, "got Vector<Single, 64>");
    }

    [TestMethod]
    public void Fit_ImageShapeOfOtherSize_ThrowsWithBothShapes()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.ImageShape = new ImageShape(1, 9, 9);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 30, flat: true)));
        StringAssert.Contains(error.Message, "feature column 'Features'");
        StringAssert.Contains(error.Message, "expected 81 values, an image of ImageShape 1×9×9, got Vector<Single, 64>");
    }

    [TestMethod]
    public void Fit_ImageShapeDisagreeingWithColumnDimensions_ThrowsWithBothShapes()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.ImageShape = new ImageShape(1, 4, 16);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 30)));
        StringAssert.Contains(error.Message, "expected an image of ImageShape 1×4×16, got Vector<Single, 8, 8>, an image of 1×8×8");
        StringAssert.Contains(error.Message, "Set ImageShape to 1×8×8 or leave it null");
    }

    [TestMethod]
    public void Fit_KernelThatDoesNotFitTheImage_ThrowsNamingTheLayer()
    {
        var ml = new MLContext(1);
        var options = Small();
        options.Layers = [ConvNetLayerSpec.Convolution(4, 3), ConvNetLayerSpec.MaxPooling(2), ConvNetLayerSpec.Convolution(8, 5)];
        var error = Assert.Throws<ArgumentException>(() => new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 30)));
        StringAssert.Contains(error.Message, "Layers[2] (conv 8@5×5) does not fit its input: the output of Layers[0..1] on the 1×8×8 image of 'Features' is 3×3 pixels");
    }

    [TestMethod]
    public void Options_LayerList_ValidatedNamingTheLayer()
    {
        var ml = new MLContext(1);
        ConvNetTrainer Create(params ConvNetLayerSpec[] layers)
        {
            var options = Small();
            options.Layers = layers;
            return new ConvNetTrainer(ml, options);
        }

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => Create(ConvNetLayerSpec.Convolution(4, 3), ConvNetLayerSpec.Dense(0)));
        StringAssert.Contains(negative.Message, "Layers[1]: a dense layer needs ≥ 1 units; found 0.");
        var order = Assert.Throws<ArgumentException>(() => Create(ConvNetLayerSpec.Convolution(4, 3), ConvNetLayerSpec.Dense(8), ConvNetLayerSpec.MaxPooling(2)));
        StringAssert.Contains(order.Message, "Layers[2] (max pool 2×2) comes after the dense layer Layers[1]");
        var noConvolution = Assert.Throws<ArgumentException>(() => Create(ConvNetLayerSpec.MaxPooling(2), ConvNetLayerSpec.Dense(8)));
        StringAssert.Contains(noConvolution.Message, "Layers has no convolution");
        var dropout = Assert.Throws<ArgumentOutOfRangeException>(() => Create(ConvNetLayerSpec.Convolution(4, 3), ConvNetLayerSpec.Dropout(1)));
        StringAssert.Contains(dropout.Message, "Layers[1]: a dropout rate must be in [0, 1); found 1.");
        var kernel = Assert.Throws<ArgumentOutOfRangeException>(() => Create(ConvNetLayerSpec.Convolution(4, 0)));
        StringAssert.Contains(kernel.Message, "Layers[0]: a convolution needs");
        Assert.Throws<ArgumentNullException>(() => Create(null!));
        var shape = Small();
        shape.ImageShape = default(ImageShape);
        var badShape = Assert.Throws<ArgumentOutOfRangeException>(() => new ConvNetTrainer(ml, shape));
        Assert.AreEqual("ImageShape", badShape.ParamName);
    }

    [TestMethod]
    public void Options_Presets_AreValidAndDescribeThemselves()
    {
        var ml = new MLContext(1);
        var lenet = ConvNetTrainer.Options.LeNet5();
        Assert.AreEqual("conv 6@5×5, padding 2; max pool 2×2; conv 16@5×5; max pool 2×2; dense 120; dense 84", string.Join("; ", lenet.Layers.Select(l => l.ToString())));
        var recommended = ConvNetTrainer.Options.Recommended();
        var defaults = new ConvNetTrainer.Options();
        Assert.AreEqual("conv 16@3×3 + BN; max pool 2×2; conv 64@3×3 + BN; max pool 2×2; dense 128; dropout 0.25", string.Join("; ", defaults.Layers.Select(l => l.ToString())));
        CollectionAssert.AreEqual(defaults.Layers, recommended.Layers, "Recommended() has the default network");
        Assert.IsNull(defaults.Augmentation, "the defaults train on the images as they are");
        Assert.AreEqual(new ImageAugmentation { MaxShift = 2, MaxRotationDegrees = 10, MaxScale = 0.1 }, recommended.Augmentation, "Recommended() is the MNIST recipe: defaults plus augmentation");
        Assert.IsNull(lenet.Augmentation);
        Assert.AreNotSame(ConvNetTrainer.Options.Recommended().Augmentation, recommended.Augmentation, "every preset call gets its own settings");
        _ = new ConvNetTrainer(ml, lenet);
        _ = new ConvNetTrainer(ml, recommended);
    }

    [TestMethod]
    public void Options_ChangedAfterConstruction_DoNotAffectTheTrainer()
    {
        var ml = new MLContext(1);
        var options = Small(epochs: 1);
        var trainer = new ConvNetTrainer(ml, options);
        options.Layers[0] = ConvNetLayerSpec.Convolution(9, 3);
        options.Epochs = 5;
        using var model = trainer.Fit(BarImages.Load(ml, 30));
        Assert.AreEqual(4, ((ConvolutionLayer)model.Model.FeatureLayers[0]).OutputChannels);
        Assert.HasCount(1, model.TrainingHistory);
    }

    [TestMethod]
    public void Fit_SameSeedTwice_BitIdenticalWeights()
    {
        var ml = new MLContext(1);
        var data = BarImages.Load(ml, 90);
        var withDropout = Small(epochs: 2);
        withDropout.Layers = [.. withDropout.Layers, ConvNetLayerSpec.Dropout(0.3)];
        using var first = new ConvNetTrainer(ml, withDropout).Fit(data);
        using var second = new ConvNetTrainer(ml, withDropout).Fit(data);
        withDropout.Seed = 12;
        using var third = new ConvNetTrainer(ml, withDropout).Fit(data);
        Assert.AreEqual(WeightsHash(first.Model), WeightsHash(second.Model));
        Assert.AreNotEqual(WeightsHash(first.Model), WeightsHash(third.Model), "another seed gives other weights");
    }

    [TestMethod]
    public void Fit_WithValidation_StopsEarlyAndRestoresWeightsAndBatchNormStatistics()
    {
        var ml = new MLContext(1);
        // Few noisy rows: the network overfits and the validation loss turns up.
        var train = BarImages.Load(ml, 24, seed: 1, noise: 0.9f);
        var validation = BarImages.Load(ml, 150, seed: 2, noise: 0.9f);
        var options = Small(epochs: 200);
        options.BatchSize = 8;
        options.Layers = [ConvNetLayerSpec.Convolution(8, 3, batchNormalization: true), ConvNetLayerSpec.MaxPooling(2), ConvNetLayerSpec.Dense(32)];
        options.LearningRateSchedule = LearningRateSchedule.Constant;
        options.EarlyStoppingPatience = 3;
        // The temperature fitted on the validation data would lower its loss below the best epoch's.
        options.Calibration = ProbabilityCalibration.None;
        var reported = new List<EpochMetrics>();
        options.EpochCompleted = reported.Add;

        using var model = new ConvNetTrainer(ml, options).Fit(train, validation);

        Assert.IsLessThan(200, reported.Count, "training stopped early");
        double best = reported.Min(m => m.ValidationLoss!.Value);
        Assert.AreEqual(best, reported[^4].ValidationLoss!.Value, 1e-12, "patience 3: stopped 3 epochs after the best");
        // The running statistics of batch normalization change at every step: the best epoch's
        // loss comes back only if they are restored with the weights.
        double finalLoss = ml.MulticlassClassification.Evaluate(model.Transform(validation)).LogLoss;
        Assert.AreEqual(best, finalLoss, 1e-4, "the model has the best epoch's weights and statistics");
    }

    [TestMethod]
    public void Fit_CancelledDuringEpoch_ThrowsWithinOneBatch()
    {
        var ml = new MLContext(1);
        using var cancellation = new CancellationTokenSource();
        var options = Small(epochs: 50);
        options.LogEveryNSteps = 1;
        options.CancellationToken = cancellation.Token;
        long lastStep = -1;
        options.ProgressChanged = p =>
        {
            lastStep = p.Step;
            if (p.Step == 12)
                cancellation.Cancel();
        };
        Assert.ThrowsExactly<OperationCanceledException>(() => new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 120)));
        Assert.AreEqual(12, lastStep, "no step runs after the cancellation");
    }

    [TestMethod]
    public void Fit_LogsArchitectureStepAndEpochLinesToMLContextLog()
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Source.StartsWith("MnistPipeline.ConvNet", StringComparison.Ordinal))
                lines.Add(e.RawMessage);
        };
        var options = Small(epochs: 2);
        options.LogEveryNSteps = 2;
        options.ValidationFraction = 0; // every row trains (the temperature is then fitted on them)
        using var model = new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 48));
        string all = string.Join("\n", lines);
        // 4·9 + 4 (conv) + 8 (BN) + 36·8 + 8 + 8·3 + 3 = 371
        Assert.IsTrue(lines.Any(l => l.StartsWith("ConvNet 1×8×8: conv 4@3×3 + BN, max pool 2×2, dense 8, dense 3 (Relu), 371 parameters; 48 training rows", StringComparison.Ordinal)), all);
        Assert.AreEqual("Training step: autograd (ConvNetModule has no fused step).",
            lines.Single(l => l.StartsWith("Training step: ", StringComparison.Ordinal)), "the fused step is the perceptron's alone");
        Assert.AreEqual(3, lines.Count(l => l.StartsWith("Step ", StringComparison.Ordinal)), "6 steps, a line every 2");
        Assert.AreEqual(2, lines.Count(l => l.StartsWith("Epoch ", StringComparison.Ordinal)), all);
    }

    [TestMethod]
    public void Fit_ManyEpochs_LiveTensorCountStaysFlat()
    {
        var ml = new MLContext(1);
        var options = Small(epochs: 6);
        var live = new List<long>();
        options.EpochCompleted = _ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        using var model = new ConvNetTrainer(ml, options).Fit(BarImages.Load(ml, 64));
        Assert.AreEqual(live[1], live[^1], $"live tensors per epoch: {string.Join(", ", live)}");
    }

    [TestMethod]
    public void Transform_ScalePixelsImageColumn_FeedsTheNetworkDirectly()
    {
        var ml = new MLContext(1);
        var rows = BarImages.Rows(60, size: 8).Select(r => new ByteImageRow { Name = r.Name, Image = r.Image.Select(v => (byte)(v * 255)).ToArray() }).ToArray();
        var raw = ml.Data.LoadFromEnumerable(rows);
        var data = ml.Transforms.Conversion.MapValueToKey("Label", nameof(ByteImageRow.Name)).Fit(raw).Transform(raw);
        var pipeline = ml.Transforms.ScalePixels("Features", nameof(ByteImageRow.Image)).Append(new ConvNetTrainer(ml, Small(epochs: 1)));
        using var model = pipeline.Fit(data);
        Assert.AreEqual(new ImageShape(1, 8, 8), model.LastTransformer.Model.InputShape);
        Assert.HasCount(60, model.Transform(data).GetColumn<float[]>("Score").ToArray());
    }

    private sealed class ByteImageRow
    {
        public string Name { get; set; } = "";

        [VectorType(8, 8)]
        public byte[] Image { get; set; } = [];
    }

    internal static string WeightsHash(ConvNetModelParameters model)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var conv in model.FeatureLayers.OfType<ConvolutionLayer>())
        {
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(conv.Weights.Span));
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(conv.Bias.Span));
        }
        foreach (var layer in model.DenseLayers)
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weights.Span));
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}
