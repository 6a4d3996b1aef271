using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Scoring;

/// <summary>
/// Builds the chain of stock, savable ML.NET transformers that scores a trained perceptron. A
/// third-party transformer cannot write its own state into a model .zip (ML.NET's persistence
/// types are internal), so <see cref="MlpTransformer"/> saves this chain instead:
/// <code>
/// OnnxTransformer      Features -> Score (Vector&lt;Single, k&gt;), MlpClassIndexVector (Vector&lt;Int64, 1&gt;)
/// CustomMapping        MlpClassIndexVector -> MlpClassIndex (Int64)          contract MnistPipeline.MlpClassIndex.v1
/// ValueMapping         MlpClassIndex -> MlpPredictedValue (the label's key value of that class)
/// ValueToKeyMapping    MlpPredictedValue -> PredictedLabel (key, terms = the label's key values in key order)
/// ColumnSelecting      drops the three helper columns
/// </code>
/// so that PredictedLabel has the training label's key type and KeyValues, and a model loaded
/// in another process needs neither TorchSharp nor any registration call.
/// </summary>
internal static class MlpScoringChain
{
    public const string ScoreColumn = "Score";
    public const string PredictedLabelColumn = "PredictedLabel";

    public static TransformerChain<ITransformer> Build(MLContext ml, string onnxModelPath, string featureColumn,
        LabelKeyValues labels, IDataView schemaSource)
    {
        var onnx = ml.Transforms.ApplyOnnxModel(
            outputColumnNames: [ScoreColumn, MlpModelFormat.ClassIndexVectorColumn],
            inputColumnNames: [featureColumn],
            modelFile: onnxModelPath);
        var toScalar = ml.Transforms.CustomMapping(new MlpClassIndexMapping().GetMapping(), MlpModelFormat.ClassIndexContract);
        var estimator = onnx.Append(toScalar)
            .Append(labels.MapIndexToValue(ml, MlpModelFormat.PredictedValueColumn, MlpModelFormat.ClassIndexColumn))
            .Append(labels.MapValueToKey(ml, PredictedLabelColumn, MlpModelFormat.PredictedValueColumn))
            .Append(ml.Transforms.DropColumns(
                MlpModelFormat.ClassIndexVectorColumn, MlpModelFormat.ClassIndexColumn, MlpModelFormat.PredictedValueColumn));
        var chain = estimator.Fit(schemaSource);
        return new TransformerChain<ITransformer>(chain.Select(t => (ITransformer)t).ToArray());
    }
}
