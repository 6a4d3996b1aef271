using Microsoft.ML;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using MnistPipeline.Training;

namespace MnistPipeline.Bench.Tables;

/// <summary>What a table asks for: the label, the metrics, the contenders.</summary>
internal enum TableTask
{
    Multiclass,
    Binary,
    Regression,
}

/// <summary>
/// One contender of the <c>tables</c> bench: an ML.NET trainer after the preprocessing a new user
/// would write (<c>MapValueToKey</c> for a multiclass label, <c>NormalizeMeanVariance</c> for the
/// features), with its default options apart from the thread count; or scikit-learn's MLP
/// (<see cref="Trainer"/> null), run by <c>sklearn_tables.py</c> on the same folds.
/// </summary>
internal sealed record TableContender(string Name, string Description, TableTask Task, Func<MLContext, int, IEstimator<ITransformer>>? Trainer)
{
    public bool IsScikitLearn => Trainer is null;

    /// <summary>A network of this library: its calibration is measured before and after.</summary>
    public bool IsNetwork => Name.StartsWith("mlp", StringComparison.Ordinal);

    public static IReadOnlyList<TableContender> For(TableTask task) => task switch
    {
        TableTask.Multiclass =>
        [
            new("mlp", "MlpTrainer, default options (automatic batch, epochs and early stopping; temperature calibration)", task,
                (ml, threads) => new MlpTrainer(ml, new MlpTrainer.Options { NumberOfThreads = threads })),
            new("lbfgs-maxent", "ML.NET LbfgsMaximumEntropy, defaults", task,
                (ml, threads) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options { NumberOfThreads = threads })),
            new("lightgbm", "ML.NET LightGbm, defaults", task,
                (ml, threads) => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options { NumberOfThreads = threads })),
            new("sklearn-mlp", "scikit-learn MLPClassifier((256, 128)), defaults, after StandardScaler", task, null),
        ],
        TableTask.Binary =>
        [
            new("mlp-binary", "MlpBinaryTrainer, default options", task,
                (ml, threads) => new MlpBinaryTrainer(ml, new MlpBinaryTrainer.Options { LabelColumnName = "IsPositive", NumberOfThreads = threads })),
            new("lbfgs-logistic", "ML.NET LbfgsLogisticRegression, defaults", task,
                (ml, threads) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options { LabelColumnName = "IsPositive", NumberOfThreads = threads })),
            new("sdca-logistic", "ML.NET SdcaLogisticRegression, defaults", task,
                (ml, threads) => ml.BinaryClassification.Trainers.SdcaLogisticRegression(new SdcaLogisticRegressionBinaryTrainer.Options { LabelColumnName = "IsPositive", NumberOfThreads = threads })),
            new("fasttree", "ML.NET FastTree (binary), defaults", task,
                (ml, threads) => ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options { LabelColumnName = "IsPositive", NumberOfThreads = threads })),
            new("sklearn-mlp", "scikit-learn MLPClassifier((256, 128)), defaults, after StandardScaler", task, null),
        ],
        _ =>
        [
            new("mlp-regression", "MlpRegressionTrainer, default options", task,
                (ml, threads) => new MlpRegressionTrainer(ml, new MlpRegressionTrainer.Options { NumberOfThreads = threads })),
            new("sdca", "ML.NET Sdca regression, defaults", task,
                (ml, threads) => ml.Regression.Trainers.Sdca(new SdcaRegressionTrainer.Options { NumberOfThreads = threads })),
            new("fasttree", "ML.NET FastTree regression, defaults", task,
                (ml, threads) => ml.Regression.Trainers.FastTree(new FastTreeRegressionTrainer.Options { NumberOfThreads = threads })),
            new("sklearn-mlp", "scikit-learn MLPRegressor((256, 128)), max_iter 2000, after StandardScaler", task, null),
        ],
    };

    public static TableTask TaskOf(string table) => table switch
    {
        "breast_cancer" => TableTask.Binary,
        "diabetes" => TableTask.Regression,
        _ => TableTask.Multiclass,
    };
}
