using Microsoft.ML;
using MnistPipeline.Schema;

namespace MnistPipeline.Training;

/// <summary>The output schema every multiclass network trainer promises: the input columns plus the score (vector of Single) and the predicted label (the label's key type).</summary>
internal static class MulticlassOutputSchema
{
    public static SchemaShape Of(MLContext mlContext, SchemaShape inputSchema, string featureColumn, string labelColumn, string scoreColumn, string predictedLabelColumn)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnCheck.FeatureVector(inputSchema, featureColumn);
        ColumnCheck.Label(inputSchema, labelColumn, LabelKind.Key);
        // SchemaShape.Column cannot be constructed outside ML.NET, so stock estimators describe our
        // columns: principal components promise a Single vector without annotations (as our Score),
        // and a copy of the label promises its key type and key values (as our PredictedLabel).
        var shapeOf = mlContext.Transforms.ProjectToPrincipalComponents(scoreColumn, featureColumn, rank: 1)
            .Append(mlContext.Transforms.CopyColumns(predictedLabelColumn, labelColumn));
        return shapeOf.GetOutputSchema(inputSchema);
    }
}
