using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// Augmentation of image-shaped features: repeatable under the seed, the identity when it
/// distorts nothing, applied to training batches only, and clear about the image shape.
/// </summary>
[TestClass]
public sealed class ImageAugmentationTests
{
    private const int Side = 8;
    private const int Pixels = Side * Side;

    public TestContext TestContext { get; set; } = null!;

    private static readonly ImageAugmentation EightByEight = new() { ImageHeight = Side, ImageWidth = Side };

    private static ImageDistortion Distortion(ImageAugmentation settings)
        => ImageDistortion.Create(settings, "Features", new VectorDataViewType(NumberDataViewType.Single, Pixels), Pixels);

    /// <summary>Images of a bar (horizontal for class 0, vertical for class 1) at a random place.</summary>
    private static float[][] Bars(int count, int seed, out int[] classes)
    {
        var random = new Random(seed);
        var images = new float[count][];
        classes = new int[count];
        for (int i = 0; i < count; i++)
        {
            var image = new float[Pixels];
            int c = i % 2, at = random.Next(2, Side - 2), from = random.Next(0, 3);
            for (int k = from; k < from + 5; k++)
                image[c == 0 ? at * Side + k : k * Side + at] = 1;
            images[i] = image;
            classes[i] = c;
        }
        return images;
    }

    [TestMethod]
    public void Augment_SameSeed_SameBatch_OtherSeed_OtherBatch()
    {
        using var distortion = Distortion(EightByEight with { ElasticAlpha = 8, ElasticSigma = 2 });
        using var scope = torch.NewDisposeScope();
        var batch = torch.tensor(Bars(16, 1, out _).SelectMany(x => x).ToArray(), [16, Pixels]);

        using var first = new Generator(5);
        using var again = new Generator(5);
        using var other = new Generator(6);
        var a = distortion.Augment(batch, first);
        var b = distortion.Augment(batch, again);
        var c = distortion.Augment(batch, other);

        Assert.IsTrue(Same(a, b), "the same seed gives the same distorted batch");
        Assert.IsFalse(Same(a, c), "another seed gives other distortions");
        Assert.IsFalse(Same(a, batch), "the batch is distorted");
        CollectionAssert.AreEqual(new long[] { 16, Pixels }, a.shape);
    }

    [TestMethod]
    public void Augment_NothingToDistort_IsTheIdentity()
    {
        using var distortion = Distortion(EightByEight with { MaxShift = 0, MaxRotationDegrees = 0, MaxScale = 0 });
        using var scope = torch.NewDisposeScope();
        var batch = torch.tensor(Bars(8, 2, out _).SelectMany(x => x).ToArray(), [8, Pixels]);
        using var generator = new Generator(1);
        var result = distortion.Augment(batch, generator);
        Assert.IsLessThan(1e-5, (result - batch).abs().max().item<float>());
    }

    [TestMethod]
    public void Augment_TranslationOnly_KeepsTheInkOfAnImageAwayFromTheBorder()
    {
        using var distortion = Distortion(EightByEight with { MaxShift = 1.5, MaxRotationDegrees = 0, MaxScale = 0 });
        using var scope = torch.NewDisposeScope();
        var image = new float[Pixels];
        image[3 * Side + 3] = image[3 * Side + 4] = image[4 * Side + 3] = 1; // ink at the centre
        var batch = torch.tensor(Enumerable.Repeat(image, 10).SelectMany(x => x).ToArray(), [10, Pixels]);
        using var generator = new Generator(3);
        var result = distortion.Augment(batch, generator);
        var ink = result.sum(1);
        Assert.IsLessThan(1e-4, (ink - 3).abs().max().item<float>(), "bilinear translation moves the ink without losing any");
        Assert.IsFalse(Same(result, batch));
    }

    [TestMethod]
    public void Augment_StandardizedFeatures_PixelsFromOutsideAreTheBackground()
    {
        using var distortion = Distortion(EightByEight with { MaxShift = 64, MaxRotationDegrees = 0, MaxScale = 0 });
        distortion.UseStandardization(new FeatureStandardization(Enumerable.Repeat(0.5f, Pixels).ToArray(), Enumerable.Repeat(2f, Pixels).ToArray()));
        using var scope = torch.NewDisposeScope();
        // Standardized images of ink 1 everywhere; shifted by up to 64 px, most output pixels come from outside.
        var batch = torch.full([32, Pixels], (1 - 0.5f) / 2);
        using var generator = new Generator(4);
        var result = distortion.Augment(batch, generator);
        float background = (0 - 0.5f) / 2;
        Assert.IsLessThan(1e-5, (result.min() - background).abs().item<float>(), "outside pixels are the standardized background, not 0");
    }

    [TestMethod]
    public void ImageShape_FlattenedColumnWithoutShape_ThrowsNamingColumnAndOptions()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ImageDistortion.ImageShape(new ImageAugmentation(), "Features", new VectorDataViewType(NumberDataViewType.Single, 784), 784));
        StringAssert.Contains(error.Message, "Augmentation needs the image shape");
        StringAssert.Contains(error.Message, "'Features'");
        StringAssert.Contains(error.Message, "784 values without image dimensions");
        StringAssert.Contains(error.Message, "Augmentation.ImageHeight and Augmentation.ImageWidth");
    }

    [TestMethod]
    public void ImageShape_OptionsDoNotFitTheFeatureCount_ThrowsWithBothNumbers()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ImageDistortion.ImageShape(new ImageAugmentation { ImageHeight = 28, ImageWidth = 28 }, "Features", new VectorDataViewType(NumberDataViewType.Single, 100), 100));
        StringAssert.Contains(error.Message, "28 x 28");
        StringAssert.Contains(error.Message, "100 values");
    }

    [TestMethod]
    public void ImageShape_FromTheColumnsDimensions_OneOrMoreChannels()
    {
        Assert.AreEqual((1, 28, 28), ImageDistortion.ImageShape(new ImageAugmentation(), "Pixels", new VectorDataViewType(NumberDataViewType.Single, 28, 28), 784));
        Assert.AreEqual((3, 4, 5), ImageDistortion.ImageShape(new ImageAugmentation(), "Pixels", new VectorDataViewType(NumberDataViewType.Single, 3, 4, 5), 60));
        Assert.AreEqual((2, 2, 4), ImageDistortion.ImageShape(new ImageAugmentation { ImageHeight = 2, ImageWidth = 4 }, "Pixels", new VectorDataViewType(NumberDataViewType.Single, 16), 16),
            "the options win; 16 values of 2 x 4 images are 2 channels");
    }

    [TestMethod]
    public void Options_OnlyImageHeight_ThrowsNamingImageWidth()
    {
        var options = new MlpTrainer.Options { Augmentation = new ImageAugmentation { ImageHeight = 28 } };
        var error = Assert.Throws<ArgumentException>(() => new MlpTrainer(new MLContext(1), options));
        Assert.AreEqual("Augmentation.ImageWidth", error.ParamName);
        StringAssert.Contains(error.Message, "must be set together");
    }

    [TestMethod]
    public void Options_NegativeShift_ThrowsNamingTheSetting()
    {
        var options = new MlpTrainer.Options { Augmentation = new ImageAugmentation { MaxShift = -1 } };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new MlpTrainer(new MLContext(1), options));
        Assert.AreEqual("Augmentation.MaxShift", error.ParamName);
    }

    [TestMethod]
    public void TrainingLoop_WithAugmentation_SeesEveryTrainingRowOncePerEpochAndNoValidationRow()
    {
        var ml = new MLContext(1);
        using var train = Load(ml, Bars(40, 1, out var trainClasses), trainClasses);
        using var validation = Load(ml, Bars(25, 2, out var validationClasses), validationClasses);
        var options = new MlpTrainer.Options { Epochs = 3, BatchSize = 16, LearningRate = 0.01 };
        var task = TrainingTask.Multiclass(2, ClassificationLoss.CrossEntropy, 0);
        using var module = new MlpModule(Pixels, [8], 2, Activation.Relu, 0);
        using var generator = new Generator(1);
        module.Initialize(WeightInitialization.GlorotUniform, generator);
        using var updater = ParameterUpdater.Create(NetworkOptimizer.Adam, module.parameters().ToArray(), 0, 0);
        using var step = new AutogradStep(module, task, updater);
        using var channel = ((IHostEnvironment)ml).Register("test").Start("loop");
        var recorder = new RecordingAugmentation();

        var history = new TrainingLoop(module, step, options, task, generator, channel, CPU, recorder).Run(train, validation);

        CollectionAssert.AreEqual(new long[] { 16, 16, 8, 16, 16, 8, 16, 16, 8 }, recorder.BatchRows, "training batches only, every row once per epoch");
        Assert.HasCount(3, history);
        Assert.IsTrue(history.All(m => m.ValidationLoss is not null), "validation was measured, on the rows as they are");
    }

    [TestMethod]
    public void Fit_WithAugmentation_RepeatsUnderTheSeedAndChangesTheWeights()
    {
        var ml = new MLContext(1);
        var data = ImageView(ml, Bars(64, 3, out var classes), classes, new VectorDataViewType(NumberDataViewType.Single, Pixels));
        MlpTrainer.Options Options(ImageAugmentation? augmentation) => new()
        {
            HiddenLayers = [16], Epochs = 3, BatchSize = 16, Seed = 9, NumberOfThreads = 1, Augmentation = augmentation,
        };

        using var first = new MlpTrainer(ml, Options(EightByEight)).Fit(data);
        using var second = new MlpTrainer(ml, Options(EightByEight)).Fit(data);
        using var plain = new MlpTrainer(ml, Options(null)).Fit(data);

        CollectionAssert.AreEqual(first.Model.Layers[0].Weights.ToArray(), second.Model.Layers[0].Weights.ToArray(), "same seed, same weights");
        CollectionAssert.AreNotEqual(first.Model.Layers[0].Weights.ToArray(), plain.Model.Layers[0].Weights.ToArray(), "augmentation changes training");
    }

    [TestMethod]
    public void Fit_ColumnWithImageDimensions_TakesTheShapeFromTheColumn()
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) => { if (e.Source.StartsWith("MnistPipeline", StringComparison.Ordinal)) lines.Add(e.RawMessage); };
        var data = ImageView(ml, Bars(32, 4, out var classes), classes, new VectorDataViewType(NumberDataViewType.Single, Side, Side));
        var options = new MlpTrainer.Options { HiddenLayers = [8], Epochs = 1, BatchSize = 16, Seed = 1, NumberOfThreads = 1, Augmentation = new ImageAugmentation() };

        using var model = new MlpTrainer(ml, options).Fit(data);

        Assert.IsTrue(lines.Any(l => l.Contains("Augmentation of every training batch: 1 x 8 x 8 images; shift ±2 px", StringComparison.Ordinal)),
            "the log header names the shape it took from Vector<Single, 8, 8>");
    }

    [TestMethod]
    public void Fit_AugmentationOnAFlattenedColumnWithoutShape_ThrowsBeforeReadingData()
    {
        var ml = new MLContext(1);
        var data = ImageView(ml, Bars(8, 5, out var classes), classes, new VectorDataViewType(NumberDataViewType.Single, Pixels));
        var options = new MlpTrainer.Options { Epochs = 1, Augmentation = new ImageAugmentation(), NumberOfThreads = 1 };
        var error = Assert.Throws<ArgumentException>(() => new MlpTrainer(ml, options).Fit(data));
        StringAssert.Contains(error.Message, "Augmentation needs the image shape");
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && (a - b).abs().max().item<float>() == 0;

    private static TensorDataset Load(MLContext ml, float[][] images, int[] classes)
        => TensorDataset.Load(ImageView(ml, images, classes, new VectorDataViewType(NumberDataViewType.Single, Pixels)),
            "Features", Pixels, "Label", LabelKind.Key, 2, CPU, default);

    private static IDataView ImageView(MLContext ml, float[][] images, int[] classes, VectorDataViewType featureType)
    {
        var rows = images.Select((x, i) => new ImageRow { Label = (uint)classes[i], Features = x }).ToArray();
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = featureType;
        schema[nameof(ImageRow.Label)].ColumnType = new KeyDataViewType(typeof(uint), 2);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    private sealed class ImageRow
    {
        public uint Label { get; set; }

        public float[] Features { get; set; } = [];
    }

    /// <summary>Records the row count of every batch it is handed; changes nothing.</summary>
    private sealed class RecordingAugmentation : IBatchAugmentation
    {
        public List<long> BatchRows { get; } = [];

        public Tensor Augment(Tensor features, Generator generator)
        {
            BatchRows.Add(features.shape[0]);
            return features.alias();
        }

        public string Describe() => "recording";
    }
}
