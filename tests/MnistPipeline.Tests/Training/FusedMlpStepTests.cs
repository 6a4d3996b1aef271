using MnistPipeline.Networks;
using MnistPipeline.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// The fused step against autograd, step by step: the same network (same initial weights), the
/// same batches, 100 steps each way, then every weight compared. Covered combinations: every
/// hidden activation with zero, one and two hidden layers, every task and loss the fused step
/// takes, every optimizer setting; packed and unpacked parameters.
/// </summary>
[TestClass]
public sealed class FusedMlpStepTests
{
    private const int Steps = 100;
    private const int Features = 6;
    private const int Batch = 16;
    private const int Rows = 150; // 9 batches of 16 and one of 6: two batch sizes

    public TestContext TestContext { get; set; } = null!;

    public enum Loss
    {
        CrossEntropy,
        SquaredError,
        Logistic,
        RegressionSquared,
        RegressionAbsolute,
        RegressionHuber,
    }

    public enum Optimizer
    {
        Sgd,
        SgdL2,
        SgdMomentum,
        SgdMomentumL2,
        Adam,
        AdamW,
    }

    public static IEnumerable<object[]> Combinations() =>
        from loss in Enum.GetValues<Loss>()
        from optimizer in Enum.GetValues<Optimizer>()
        select new object[] { loss, optimizer };

    [TestMethod]
    [DynamicData(nameof(Combinations))]
    public void Step_HundredStepsEveryArchitecture_SameWeightsAsAutogradWithin1e5(Loss loss, Optimizer optimizer)
    {
        torch.set_num_threads(1);
        var failures = new List<string>();
        double worst = 0;
        foreach (var (hidden, activation) in Architectures())
        {
            foreach (bool packed in new[] { true, false })
            {
                double difference = MaxWeightDifference(loss, optimizer, hidden, activation, packed);
                worst = Math.Max(worst, difference);
                if (!(difference <= 1e-5))
                    failures.Add($"[{string.Join(",", hidden)}] {activation} packed={packed}: {difference:E2}");
            }
        }
        TestContext.WriteLine($"{loss} {optimizer}: largest weight difference after {Steps} steps {worst:E2}");
        Assert.IsEmpty(failures, string.Join("\n", failures));
    }

    private static IEnumerable<(int[] Hidden, Activation Activation)> Architectures()
    {
        yield return ([], Activation.Relu); // no hidden layer: the activation is unused
        foreach (var activation in Enum.GetValues<Activation>())
        {
            yield return ([7], activation);
            yield return ([9, 5], activation);
        }
    }

    private static double MaxWeightDifference(Loss loss, Optimizer optimizer, int[] hidden, Activation activation, bool packFused)
    {
        using var scope = torch.NewDisposeScope();
        var task = Task(loss);
        var (features, targets) = Data(loss, task);
        using var reference = new Trainee(hidden, activation, task, optimizer, fused: false, pack: true);
        using var fused = new Trainee(hidden, activation, task, optimizer, fused: true, pack: packFused);
        for (int step = 0; step < Steps; step++)
        {
            long start = step % ((Rows + Batch - 1) / Batch) * Batch;
            long length = Math.Min(Batch, Rows - start);
            using var stepScope = torch.NewDisposeScope();
            var x = features.narrow(0, start, length);
            var y = targets.narrow(0, start, length);
            double learningRate = 0.5 * (1 + Math.Cos(Math.PI * step / Steps)) * LearningRate(optimizer);
            var (referenceLoss, _) = reference.Step.Step(x, y, learningRate);
            var (fusedLoss, _) = fused.Step.Step(x, y, learningRate);
            float a = referenceLoss.item<float>(), b = fusedLoss.item<float>();
            if (!(Math.Abs(a - b) <= 1e-4 * Math.Max(1, Math.Abs(a))))
                throw new AssertFailedException($"step {step}: loss {a} (autograd) vs {b} (fused)");
        }
        return reference.Module.parameters().Zip(fused.Module.parameters())
            .Max(pair => pair.First.sub(pair.Second).abs().max().item<float>());
    }

    private static double LearningRate(Optimizer optimizer) => optimizer is Optimizer.Adam or Optimizer.AdamW ? 0.01 : 0.05;

    private static TrainingTask Task(Loss loss) => loss switch
    {
        Loss.CrossEntropy => TrainingTask.Multiclass(4, ClassificationLoss.CrossEntropy, 0),
        Loss.SquaredError => TrainingTask.Multiclass(4, ClassificationLoss.SquaredError, 0),
        Loss.Logistic => TrainingTask.Binary(),
        Loss.RegressionSquared => TrainingTask.Regression(RegressionLoss.SquaredError, 1),
        Loss.RegressionAbsolute => TrainingTask.Regression(RegressionLoss.AbsoluteError, 1),
        _ => TrainingTask.Regression(RegressionLoss.Huber, 0.5),
    };

    /// <summary>Features with a signal in them and targets of the task's kind, seeded.</summary>
    private static (Tensor Features, Tensor Targets) Data(Loss loss, TrainingTask task)
    {
        using var generator = new Generator(42);
        var x = torch.randn([Rows, Features], generator: generator);
        var signal = x.narrow(1, 0, 1).squeeze(1) - x.narrow(1, 1, 1).squeeze(1) * 0.5;
        Tensor y = task.LabelKind switch
        {
            Schema.LabelKind.Key => (signal * 1.5 + 2).clamp(0, 3).to(ScalarType.Int64),
            Schema.LabelKind.Boolean => signal.gt(0).to(ScalarType.Float32),
            _ => signal + torch.randn([Rows], generator: generator) * 0.3,
        };
        return (x, y);
    }

    /// <summary>A network, its optimizer and one kind of step, built as NetworkFit builds them.</summary>
    private sealed class Trainee : IDisposable
    {
        private readonly Tensor? _packed;
        private readonly ParameterUpdater _updater;

        public Trainee(int[] hidden, Activation activation, TrainingTask task, Optimizer optimizer, bool fused, bool pack)
        {
            // TorchSharp's nn.init ignores its generator argument and draws from the global one.
            torch.manual_seed(7);
            Module = new MlpModule(Features, hidden, task.OutputSize, activation, dropout: 0);
            using (var generator = new Generator(7))
                Module.Initialize(WeightInitialization.LibTorchDefault, generator);
            _packed = pack ? ParameterPacking.Pack(Module) : null;
            var (kind, momentum, decay) = optimizer switch
            {
                Optimizer.Sgd => (NetworkOptimizer.Sgd, 0.0, 0.0),
                Optimizer.SgdL2 => (NetworkOptimizer.Sgd, 0.0, 0.01),
                Optimizer.SgdMomentum => (NetworkOptimizer.Sgd, 0.9, 0.0),
                Optimizer.SgdMomentumL2 => (NetworkOptimizer.Sgd, 0.9, 0.01),
                Optimizer.Adam => (NetworkOptimizer.Adam, 0.0, 0.0),
                _ => (NetworkOptimizer.Adam, 0.0, 0.01),
            };
            _updater = ParameterUpdater.Create(kind, Module.parameters().ToArray(), momentum, decay, _packed);
            Step = fused ? new FusedMlpStep(Module, task, _updater) : new AutogradStep(Module, task, _updater);
        }

        public MlpModule Module { get; }

        public ITrainingStep Step { get; }

        public void Dispose()
        {
            Step.Dispose();
            _updater.Dispose();
            Module.Dispose();
            _packed?.Dispose();
        }
    }
}
