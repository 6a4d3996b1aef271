using MnistPipeline.Networks;
using MnistPipeline.Schema;

namespace MnistPipeline.Training;

/// <summary>Default values, shared by the option classes and the trainers' short constructors.</summary>
internal static class NetworkDefaults
{
    public const string FeatureColumnName = DefaultColumnNames.Features;
    public const string LabelColumnName = DefaultColumnNames.Label;
    public const string ScoreColumnName = DefaultColumnNames.Score;
    public const string PredictedLabelColumnName = DefaultColumnNames.PredictedLabel;
    public const string ProbabilityColumnName = DefaultColumnNames.Probability;
    public static int[] HiddenLayers => [256, 128];
    public const Activation HiddenActivation = Activation.Relu;
    public const ClassificationLoss ClassificationLoss = Training.ClassificationLoss.CrossEntropy;
    public const RegressionLoss RegressionLoss = Training.RegressionLoss.SquaredError;
    public const double HuberDelta = 1.0;
    public const NetworkOptimizer Optimizer = NetworkOptimizer.Adam;
    public const double LearningRate = 2e-3;
    public const double Momentum = 0;
    public const double WeightDecay = 0;
    public const LearningRateSchedule Schedule = LearningRateSchedule.Cosine;
    public const double Dropout = 0;
    public const double LabelSmoothing = 0;
    public const int BatchSize = 128;
    public const int Epochs = 10;
    public const ProbabilityCalibration Calibration = ProbabilityCalibration.Temperature;
    public const bool StandardizeFeatures = true;
    public const bool Shuffle = true;
    public const WeightInitialization Initialization = WeightInitialization.GlorotUniform;
    public const int LogEveryNSteps = 200;
    public const bool UseFusedStep = true;
}
