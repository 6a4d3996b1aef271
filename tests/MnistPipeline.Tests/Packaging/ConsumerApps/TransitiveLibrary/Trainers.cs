using Microsoft.ML;
using MnistPipeline.Training;

namespace TransitiveLibrary;

/// <summary>A user's own factory around MlpTrainer.</summary>
public static class Trainers
{
    public static MlpTrainer Small(MLContext mlContext) => new(mlContext, hiddenLayers: [8], epochs: 5);
}
