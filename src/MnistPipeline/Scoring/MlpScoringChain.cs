using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace MnistPipeline.Scoring;

/// <summary>
/// Builds the chain of stock, savable ML.NET transformers that scores a trained perceptron. A
/// third-party transformer cannot write its own state into a model .zip (ML.NET's persistence
/// types are internal), so <see cref="MlpTransformer"/> saves this chain instead:
/// <code>
/// OnnxTransformer      Features -> Score (Vector&lt;Single, k&gt;), MlpClassIndexVector (Vector&lt;Int64, 1&gt;)
/// CustomMapping        MlpClassIndexVector -> MlpClassIndex (Int64)          contract MnistPipeline.ClassIndex.v2
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
        var onnx = ml.Transforms.ApplyOnnxModel(new OnnxOptions
        {
            ModelFile = onnxModelPath,
            InputColumns = [featureColumn],
            OutputColumns = [ScoreColumn, ModelFormat.ClassIndexVectorColumn],
            // OnnxTransformer runs one row per session call: a matrix-vector product too small
            // for a thread pool, whose hand-offs cost more than they save (measured: 1 thread
            // scores about 1.5x the rows per second of ONNX Runtime's default). ML.NET does not
            // save these settings, so a loaded model uses ONNX Runtime's defaults.
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        });
        var toScalar = ml.Transforms.CustomMapping(new ClassIndexMapping().GetMapping(), ModelFormat.ClassIndexContract);
        var estimator = onnx.Append(toScalar)
            .Append(labels.MapIndexToValue(ml, ModelFormat.PredictedValueColumn, ModelFormat.ClassIndexColumn))
            .Append(labels.MapValueToKey(ml, PredictedLabelColumn, ModelFormat.PredictedValueColumn))
            .Append(ml.Transforms.DropColumns(
                ModelFormat.ClassIndexVectorColumn, ModelFormat.ClassIndexColumn, ModelFormat.PredictedValueColumn));
        var chain = estimator.Fit(schemaSource);
        return new TransformerChain<ITransformer>(chain.Select(t => (ITransformer)t).ToArray());
    }
}
