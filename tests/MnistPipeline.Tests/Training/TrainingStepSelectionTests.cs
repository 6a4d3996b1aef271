using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;
using MnistPipeline.Networks;
using MnistPipeline.Tests.TestSupport;
using MnistPipeline.Training;
using TorchSharp;

namespace MnistPipeline.Tests.Training;

/// <summary>
/// Which step trains a Fit (fused or autograd), what the log says about it, and that the loop's
/// measures (progress reports, epoch metrics, the divergence error) come out the same on both.
/// </summary>
[TestClass]
public sealed class TrainingStepSelectionTests
{
    private static MlpTrainer.Options Small(int epochs = 3) => new()
    {
        HiddenLayers = [8],
        Epochs = epochs,
        BatchSize = 16,
        LearningRate = 0.01,
        Seed = 11,
        NumberOfThreads = 1,
    };

    private static (MlpTransformer Model, List<string> Log) FitLogged(MlpTrainer.Options options, IDataView? data = null)
    {
        var ml = new MLContext(1);
        var lines = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Source.StartsWith("MnistPipeline.Mlp", StringComparison.Ordinal))
                lines.Add(e.RawMessage);
        };
        var model = new MlpTrainer(ml, options).Fit(data ?? Blobs.Load(ml, 160));
        return (model, lines);
    }

    private static string StepLine(List<string> log) => log.Single(l => l.StartsWith("Training step: ", StringComparison.Ordinal));

    [TestMethod]
    public void Fit_DefaultOptions_TrainsWithTheFusedStepAndSaysSo()
    {
        var (model, log) = FitLogged(Small());
        using (model)
            StringAssert.StartsWith(StepLine(log), "Training step: fused (hand-written backward pass, Relu, fused Adam update)");
    }

    [TestMethod]
    public void Fit_Dropout_TrainsWithAutogradNamingTheReason()
    {
        var options = Small();
        options.Dropout = 0.2;
        var (model, log) = FitLogged(options);
        using (model)
            Assert.AreEqual("Training step: autograd (dropout 0.2 has no hand-written backward pass).", StepLine(log));
    }

    [TestMethod]
    public void Fit_LabelSmoothing_TrainsWithAutogradNamingTheReason()
    {
        var options = Small();
        options.LabelSmoothing = 0.1;
        var (model, log) = FitLogged(options);
        using (model)
            Assert.AreEqual("Training step: autograd (label smoothing 0.1 has no hand-written gradient).", StepLine(log));
    }

    [TestMethod]
    public void Fit_UseFusedStepFalse_TrainsWithAutograd()
    {
        var options = Small();
        options.UseFusedStep = false;
        var (model, log) = FitLogged(options);
        using (model)
            Assert.AreEqual("Training step: autograd (UseFusedStep is false).", StepLine(log));
    }

    [TestMethod]
    public void Fit_SgdTanhSquaredError_TrainsWithTheFusedStepFoldingTheUpdate()
    {
        var options = Small();
        options.Activation = Activation.Tanh;
        options.Optimizer = NetworkOptimizer.Sgd;
        options.Loss = ClassificationLoss.SquaredError;
        var (model, log) = FitLogged(options);
        using (model)
            Assert.AreEqual("Training step: fused (hand-written backward pass, Tanh, SGD update folded into the gradient products).", StepLine(log));
    }

    [TestMethod]
    [DataRow(NetworkOptimizer.Sgd, ClassificationLoss.SquaredError)]
    [DataRow(NetworkOptimizer.Adam, ClassificationLoss.CrossEntropy)]
    public void Fit_FusedAndAutograd_SameProgressReportsEpochMetricsAndWeights(NetworkOptimizer optimizer, ClassificationLoss loss)
    {
        var runs = new[] { true, false }.Select(fused =>
        {
            var options = Small(epochs: 4);
            options.HiddenLayers = [16, 8];
            options.Optimizer = optimizer;
            options.Loss = loss;
            options.Momentum = optimizer == NetworkOptimizer.Sgd ? 0.9 : 0;
            options.LogEveryNSteps = 7; // reports inside epochs and across their ends
            options.UseFusedStep = fused;
            var reports = new List<TrainingProgress>();
            options.ProgressChanged = reports.Add;
            var (model, _) = FitLogged(options);
            return (Model: model, Reports: reports);
        }).ToArray();
        using var fusedModel = runs[0].Model;
        using var autogradModel = runs[1].Model;
        var (fused, autograd) = (runs[0].Reports, runs[1].Reports);

        Assert.HasCount(autograd.Count, fused);
        for (int i = 0; i < fused.Count; i++)
        {
            Assert.AreEqual(autograd[i].Step, fused[i].Step);
            Assert.AreEqual(autograd[i].Epoch, fused[i].Epoch);
            Assert.AreEqual(autograd[i].Loss, fused[i].Loss, 1e-5 * Math.Max(1, autograd[i].Loss), $"loss at step {fused[i].Step}");
            Assert.AreEqual(autograd[i].Accuracy!.Value, fused[i].Accuracy!.Value, 1e-9, $"window accuracy at step {fused[i].Step}");
        }
        var fusedEpochs = fusedModel.TrainingHistory;
        var autogradEpochs = autogradModel.TrainingHistory;
        Assert.HasCount(4, fusedEpochs);
        for (int e = 0; e < fusedEpochs.Count; e++)
        {
            Assert.AreEqual(autogradEpochs[e].TrainingLoss, fusedEpochs[e].TrainingLoss, 1e-5, $"epoch {e + 1} training loss");
            Assert.AreEqual(autogradEpochs[e].TrainingAccuracy!.Value, fusedEpochs[e].TrainingAccuracy!.Value, 1e-9, $"epoch {e + 1} training accuracy");
        }
        var weights = fusedModel.Model.Layers.Zip(autogradModel.Model.Layers)
            .SelectMany(pair => pair.First.Weights.ToArray().Zip(pair.Second.Weights.ToArray(), (a, b) => Math.Abs(a - b)));
        Assert.IsLessThan(1e-4, weights.Max(), "weights after 40 steps");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Fit_DivergingWithRareReports_ErrorNamesTheStepThatDivergedOnBothPaths(bool fused)
    {
        var ml = new MLContext(1);
        var rows = Blobs.Rows(200, 5, 3, seed: 4);
        foreach (var row in rows)
            for (int j = 0; j < row.Features.Length; j++)
                row.Features[j] *= 1e4f;
        var raw = ml.Data.LoadFromEnumerable(rows, WithVectorSize(5));
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Name").Fit(raw).Transform(raw);

        string Error(int logEvery)
        {
            var options = Small(epochs: 20);
            options.BatchSize = 4; // 50 steps per epoch: a divergence is read up to 49 steps late
            options.Optimizer = NetworkOptimizer.Sgd;
            options.Loss = ClassificationLoss.SquaredError;
            options.LearningRate = 10;
            options.UseFusedStep = fused;
            options.LogEveryNSteps = logEvery;
            return Assert.Throws<InvalidOperationException>(() => new MlpTrainer(ml, options).Fit(data)).Message;
        }

        string everyStep = Error(logEvery: 1), rarely = Error(logEvery: 1000);
        StringAssert.Contains(rarely, "Training diverged: the loss is");
        StringAssert.Matches(rarely, new System.Text.RegularExpressions.Regex(@"at epoch \d+, step \d+\."));
        Assert.AreEqual(everyStep, rarely, "read many steps later, the error still names the step whose loss was first NaN or infinite");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Fit_ManyEpochs_LiveTensorCountStaysFlatOnBothPaths(bool fused)
    {
        var options = Small(epochs: 8);
        options.Optimizer = NetworkOptimizer.Sgd;
        options.Momentum = 0.9;
        options.UseFusedStep = fused;
        options.LogEveryNSteps = 3;
        var live = new List<long>();
        options.EpochCompleted = _ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        var (model, _) = FitLogged(options, Blobs.Load(new MLContext(1), 210));
        using (model)
        {
            Assert.HasCount(8, live);
            Assert.AreEqual(live[1], live[^1], $"live tensors per epoch: {string.Join(", ", live)}");
        }
    }

    private static SchemaDefinition WithVectorSize(int size)
    {
        var schema = SchemaDefinition.Create(typeof(Blobs.Row));
        schema[nameof(Blobs.Row.Features)].ColumnType = new Microsoft.ML.Data.VectorDataViewType(Microsoft.ML.Data.NumberDataViewType.Single, size);
        return schema;
    }
}
