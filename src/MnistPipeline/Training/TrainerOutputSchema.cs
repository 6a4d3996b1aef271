using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;

namespace MnistPipeline.Training;

/// <summary>
/// The output schemas the network trainers promise in <c>GetOutputSchema</c>, one per task, after
/// checking the feature and label columns. <c>SchemaShape.Column</c> cannot be constructed outside
/// ML.NET, so stock estimators describe our columns.
/// </summary>
internal static class TrainerOutputSchema
{
    /// <summary>The input columns plus the score (vector of Single) and the predicted label (the label's key type).</summary>
    public static SchemaShape Multiclass(MLContext mlContext, SchemaShape inputSchema, string featureColumn, string labelColumn, string scoreColumn, string predictedLabelColumn)
    {
        Check(inputSchema, featureColumn, labelColumn, LabelKind.Key);
        // Principal components promise a Single vector without annotations (as our Score), and a
        // copy of the label promises its key type and key values (as our PredictedLabel).
        var shapeOf = mlContext.Transforms.ProjectToPrincipalComponents(scoreColumn, featureColumn, rank: 1)
            .Append(mlContext.Transforms.CopyColumns(predictedLabelColumn, labelColumn));
        return shapeOf.GetOutputSchema(inputSchema);
    }

    /// <summary>The input columns plus the score and the probability (Single) and the predicted label (Boolean).</summary>
    public static SchemaShape Binary(MLContext mlContext, SchemaShape inputSchema, string featureColumn, string labelColumn,
        string scoreColumn, string probabilityColumn, string predictedLabelColumn)
    {
        Check(inputSchema, featureColumn, labelColumn, LabelKind.Boolean);
        // A Boolean label converted to Single (twice), and a copy of the Boolean label.
        var shapeOf = mlContext.Transforms.Conversion.ConvertType(scoreColumn, labelColumn, DataKind.Single)
            .Append(mlContext.Transforms.Conversion.ConvertType(probabilityColumn, labelColumn, DataKind.Single))
            .Append(mlContext.Transforms.CopyColumns(predictedLabelColumn, labelColumn));
        return shapeOf.GetOutputSchema(inputSchema);
    }

    /// <summary>The input columns plus the score (Single).</summary>
    public static SchemaShape Regression(MLContext mlContext, SchemaShape inputSchema, string featureColumn, string labelColumn, string scoreColumn)
    {
        Check(inputSchema, featureColumn, labelColumn, LabelKind.Single);
        // A copy of the Single label describes our score.
        return mlContext.Transforms.CopyColumns(scoreColumn, labelColumn).GetOutputSchema(inputSchema);
    }

    private static void Check(SchemaShape inputSchema, string featureColumn, string labelColumn, LabelKind label)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnCheck.FeatureVector(inputSchema, featureColumn);
        ColumnCheck.Label(inputSchema, labelColumn, label);
    }
}
