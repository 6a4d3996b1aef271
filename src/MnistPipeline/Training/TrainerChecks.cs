using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Schema;

namespace MnistPipeline.Training;

/// <summary>Checks every network trainer makes before training, beyond the training data's own columns.</summary>
internal static class TrainerChecks
{
    /// <summary>The validation data must have the training data's feature size and label type; early stopping needs it.</summary>
    public static void Validation(NetworkTrainerOptions options, IDataView? validationData, int featureCount, LabelKind labelKind, int classCount)
    {
        if (validationData is null)
        {
            if (options.EarlyStoppingPatience is not null && options.ValidationFraction == 0)
                throw new ArgumentException(
                    "EarlyStoppingPatience needs validation rows: set Options.ValidationData, call Fit(trainData, validationData), or keep rows out with ValidationFraction > 0 (it is 0).", nameof(validationData));
            return;
        }
        const string where = "validation data";
        int features = ColumnCheck.FeatureVector(validationData.Schema, options.FeatureColumnName, where);
        if (features != featureCount)
            throw ColumnCheck.Mismatch(nameof(validationData), options.FeatureColumnName,
                $"Vector<Single, {featureCount}> (as in the training data)", $"Vector<Single, {features}>", "feature", where);
        var label = ColumnCheck.Label(validationData.Schema, options.LabelColumnName, labelKind, where);
        if (label.Type is KeyDataViewType key && key.Count != (ulong)classCount)
            throw ColumnCheck.Mismatch(nameof(validationData), options.LabelColumnName,
                $"Key with {classCount} values (as in the training data)", $"Key with {key.Count} values", "label", where);
    }
}
