// A user's scoring-only app: load a model saved by the training app and predict the probe rows.
// It references MnistPipeline.Scoring only: no TorchSharp, no libtorch.
// Usage: ScoringApp <model.zip>
using Microsoft.ML;
using MnistPipeline.Scoring;

var ml = new MLContext();
ITransformer model = ml.Model.LoadChecked(args[0], out _);
var engine = ml.Model.CreatePredictionEngine<FeatureRow, Prediction>(model);
for (int i = 0; i < Rows.Probes.Length; i++)
    Console.WriteLine(Rows.Format(i, engine.Predict(new FeatureRow { Features = Rows.Probes[i] })));
((IDisposable)model).Dispose();
