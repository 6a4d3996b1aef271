using System.Security.Cryptography;
using Microsoft.ML;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>What one Fit of the checkpoint tests gave: the model's hash, its history, or the exception; and the steps it trained.</summary>
internal sealed record FitOutcome(string? Hash, IReadOnlyList<EpochMetrics>? History, Exception? Error, int StepsTrained);

/// <summary>
/// A Fit of any network trainer's options that cancels itself right after a given step (through
/// the options' progress callback and cancellation token), for the checkpoint tests.
/// </summary>
internal static class CancellableFit
{
    /// <summary>Fits; cancels right after step <paramref name="cancelAfterStep"/> when given. The hash is of the model's ONNX bytes (weights, batch-norm statistics and head).</summary>
    public static FitOutcome Run(MLContext ml, IDataView data, IDataView? validation, NetworkTrainerOptions options, long? cancelAfterStep = null)
    {
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        options.CancellationToken = cancel.Token;
        options.ProgressChanged = p =>
        {
            steps++;
            if (p.Step == cancelAfterStep)
                cancel.Cancel();
        };
        try
        {
            (NetworkModelParameters model, IReadOnlyList<EpochMetrics> history) = options switch
            {
                ConvNetTrainer.Options convnet => Train(new ConvNetTrainer(ml, convnet), data, validation),
                MlpTrainer.Options mlp => Train(new MlpTrainer(ml, mlp), data, validation),
                _ => throw new ArgumentException(options.GetType().Name),
            };
            return new FitOutcome(Convert.ToHexString(SHA256.HashData(model.ToOnnx())), history, null, steps);
        }
        catch (Exception e)
        {
            return new FitOutcome(null, null, e, steps);
        }
    }

    private static (NetworkModelParameters, IReadOnlyList<EpochMetrics>) Train<TTransformer, TModel>(NetworkTrainer<TTransformer, TModel> trainer, IDataView data, IDataView? validation)
        where TTransformer : NetworkTransformer<TModel>
        where TModel : NetworkModelParameters
    {
        using var model = trainer.Fit(data, validation);
        return (model.Model, model.TrainingHistory);
    }
}
