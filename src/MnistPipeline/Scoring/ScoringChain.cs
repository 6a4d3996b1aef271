using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using MnistPipeline.Networks;
using MnistPipeline.Networks.Onnx;

namespace MnistPipeline.Scoring;

/// <summary>
/// Builds the chain of stock, savable ML.NET transformers that scores a trained network. A
/// third-party transformer cannot write its own state into a model .zip (ML.NET's persistence
/// types are internal), so the network's transformer saves this chain instead:
/// <code>
/// multiclass  OnnxTransformer   Features -> Score (Vector&lt;Single, k&gt;), class index (Vector&lt;Int64, 1&gt;)
///             CustomMapping     class index -> Int64 scalar          contract MnistPipeline.ClassIndex.v2
///             ValueMapping      class index -> the label's key value of that class
///             ValueToKeyMapping key value -> PredictedLabel (key, terms = the label's key values in key order)
/// binary      OnnxTransformer   Features -> score [1], probability [1]
///             CustomMapping     -> Single score, Single probability, Boolean score &gt; 0   contract MnistPipeline.BinaryOutputs.v2
///             ColumnCopying     -> Score, Probability, PredictedLabel
/// regression  OnnxTransformer   Features -> score [1]
///             CustomMapping     -> Single score                      contract MnistPipeline.RegressionOutput.v2
///             ColumnCopying     -> Score
/// all         ColumnSelecting   drops the helper columns
/// </code>
/// The mappings live in the MnistPipeline.Scoring assembly, so a model loaded in another process
/// needs that assembly (and ML.NET with ONNX Runtime), but not TorchSharp and no registration call.
/// </summary>
internal static class ScoringChain
{
    public static TransformerChain<ITransformer> Build(MLContext mlContext, string onnxModelPath, NetworkTask task,
        string featureColumn, int featureCount, ScoringColumns columns, LabelKeyValues? labels)
    {
        // The trained network scores on the CPU: OnnxTransformer would follow MLContext.GpuDeviceId,
        // and the CPU build of ONNX Runtime has no CUDA entry point (it throws even with FallbackToCpu).
        var ml = mlContext.GpuDeviceId is null ? mlContext : new MLContext { TempFilePath = mlContext.TempFilePath };
        var names = OnnxOutputNames.ForScoring(task, featureColumn, columns.Score);
        string[] onnxOutputs = task switch
        {
            NetworkTask.MulticlassClassification => [names.Score, names.ClassIndex],
            NetworkTask.BinaryClassification => [names.Score, names.Probability],
            _ => [names.Score],
        };
        var onnx = ml.Transforms.ApplyOnnxModel(new OnnxOptions
        {
            ModelFile = onnxModelPath,
            InputColumns = [featureColumn],
            OutputColumns = onnxOutputs,
            // OnnxTransformer runs one row per session call: a matrix-vector product too small
            // for a thread pool, whose hand-offs cost more than they save (measured: 1 thread
            // scores about 1.5x the rows per second of ONNX Runtime's default). ML.NET does not
            // save these settings, so a loaded model uses ONNX Runtime's defaults.
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        });
        IEstimator<ITransformer> estimator = task switch
        {
            NetworkTask.MulticlassClassification => onnx
                .Append(ml.Transforms.CustomMapping(new ClassIndexMapping().GetMapping(), ModelFormat.ClassIndexContract))
                .Append((labels ?? throw new ArgumentNullException(nameof(labels))).MapIndexToValue(ml, ModelFormat.PredictedValueColumn, ModelFormat.ClassIndexColumn))
                .Append(labels.MapValueToKey(ml, columns.PredictedLabel, ModelFormat.PredictedValueColumn))
                .Append(ml.Transforms.DropColumns(ModelFormat.ClassIndexVectorColumn, ModelFormat.ClassIndexColumn, ModelFormat.PredictedValueColumn)),
            NetworkTask.BinaryClassification => onnx
                .Append(ml.Transforms.CustomMapping(new BinaryOutputsMapping().GetMapping(), ModelFormat.BinaryOutputsContract))
                .Append(ml.Transforms.CopyColumns(columns.Score, ModelFormat.ScoreColumn))
                .Append(ml.Transforms.CopyColumns(columns.Probability, ModelFormat.ProbabilityColumn))
                .Append(ml.Transforms.CopyColumns(columns.PredictedLabel, ModelFormat.PredictedLabelColumn))
                .Append(ml.Transforms.DropColumns(ModelFormat.ScoreVectorColumn, ModelFormat.ProbabilityVectorColumn,
                    ModelFormat.ScoreColumn, ModelFormat.ProbabilityColumn, ModelFormat.PredictedLabelColumn)),
            _ => onnx
                .Append(ml.Transforms.CustomMapping(new RegressionOutputMapping().GetMapping(), ModelFormat.RegressionOutputContract))
                .Append(ml.Transforms.CopyColumns(columns.Score, ModelFormat.ScoreColumn))
                .Append(ml.Transforms.DropColumns(ModelFormat.ScoreVectorColumn, ModelFormat.ScoreColumn)),
        };
        var chain = (IEnumerable<ITransformer>)estimator.Fit(SchemaSource(ml, featureColumn, featureCount));
        return new TransformerChain<ITransformer>(chain.ToArray());
    }

    /// <summary>An empty view with only the feature column: what fitting the chain needs (none of its steps reads rows).</summary>
    private static IDataView SchemaSource(MLContext ml, string featureColumn, int featureCount)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[0].ColumnName = featureColumn;
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), definition);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}
