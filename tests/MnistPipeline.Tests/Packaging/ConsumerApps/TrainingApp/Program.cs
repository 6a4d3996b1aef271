// A user's training app: fit an MlpTrainer on synthetic rows, save the model, load it in a new
// MLContext, evaluate, and print the loaded model's predictions for the probe rows.
// Usage: TrainingApp <model.zip>
using System.Globalization;
using Microsoft.ML;
using MnistPipeline.Scoring;
using MnistPipeline.Training;

string modelPath = args[0];

var ml = new MLContext(seed: 1);
IDataView trainText = ml.Data.LoadFromEnumerable(Rows.Labeled(300, seed: 1));
IDataView testText = ml.Data.LoadFromEnumerable(Rows.Labeled(150, seed: 2));

// The label's key mapping is fitted apart from the saved model, so that a scoring app feeds
// features only.
var labelToKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(trainText);
IDataView train = labelToKey.Transform(trainText);
IDataView test = labelToKey.Transform(testText);

var pipeline = new MlpTrainer(ml, new MlpTrainer.Options { HiddenLayers = [16], Epochs = 40, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel"));
using (var model = pipeline.Fit(train))
    ml.Model.SaveAtomically(model, train.Schema, modelPath);

var fresh = new MLContext(seed: 1);
ITransformer loaded = fresh.Model.Load(modelPath, out _);
var metrics = fresh.MulticlassClassification.Evaluate(loaded.Transform(test));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy {metrics.MicroAccuracy:F4}"));

var engine = fresh.Model.CreatePredictionEngine<FeatureRow, Prediction>(loaded);
for (int i = 0; i < Rows.Probes.Length; i++)
    Console.WriteLine(Rows.Format(i, engine.Predict(new FeatureRow { Features = Rows.Probes[i] })));
((IDisposable)loaded).Dispose();
