using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Schema;

namespace MnistPipeline.Training;

/// <summary>
/// One <c>Fit</c> of a convolutional network trainer of any task: the schema checks (feature
/// column, its image shape, label, validation data), the recipe, then <see cref="NetworkFit"/>.
/// </summary>
internal static class ConvNetFit
{
    /// <summary>Checks the data against the options, trains, and returns the trained network, its history, the label column of the training data and what the probability calibration did (null for a regression).</summary>
    /// <remarks><paramref name="createTask"/> makes the task from the checked label column (e.g. its class count).</remarks>
    public static (ConvNetModelParameters Model, IReadOnlyList<EpochMetrics> History, DataViewSchema.Column Label, CalibrationSummary? Calibration) Run(MLContext mlContext, IHost host,
        ConvNetTrainerOptionsBase options, IDataView trainData, IDataView? validationData, ConvNetModelParameters? initial,
        LabelKind labelKind, Func<DataViewSchema.Column, TrainingTask> createTask)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        const string where = "training data";
        int featureCount = ColumnCheck.FeatureVector(trainData.Schema, options.FeatureColumnName, where);
        var image = ConvNetArchitecture.ImageShapeOf(trainData.Schema[options.FeatureColumnName], options.ImageShape,
            nameof(options.ImageShape), where, nameof(trainData));
        var label = ColumnCheck.Label(trainData.Schema, options.LabelColumnName, labelKind, where);
        var task = createTask(label);
        TrainerChecks.Validation(options, validationData, featureCount, labelKind, task.ClassCount);

        var recipe = ConvNetRecipe.For(options, task.Task, image, task.OutputSize, initial);
        var result = NetworkFit.Run(mlContext, host, options, task, recipe, trainData, validationData, featureCount, initial);
        return ((ConvNetModelParameters)result.Model, result.History, label, result.Calibration);
    }
}
