using Microsoft.ML.Runtime;

namespace MnistPipeline.Training;

/// <summary>
/// Chooses how a Fit trains one batch, in one place: the fused step (<see cref="FusedMlpStep"/>)
/// when it covers the network and the options, autograd (<see cref="AutogradStep"/>) otherwise;
/// and says which in the log (<c>Training step: fused (…)</c> or <c>Training step: autograd (reason)</c>).
/// </summary>
internal static class TrainingSteps
{
    public static ITrainingStep Create(NetworkModule module, TrainingTask task, NetworkTrainerOptions options, ParameterUpdater updater, IChannel channel)
    {
        string? reason = WhyAutograd(module, task, options);
        if (reason is null)
        {
            var mlp = (MlpModule)module;
            channel.Info(MessageSensitivity.None, $"Training step: fused ({FusedMlpStep.Describe(mlp, updater)}).");
            return new FusedMlpStep(mlp, task, updater);
        }
        channel.Info(MessageSensitivity.None, $"Training step: autograd ({reason}).");
        return new AutogradStep(module, task, updater);
    }

    /// <summary>Why the fused step cannot train this Fit; null when it can.</summary>
    public static string? WhyAutograd(NetworkModule module, TrainingTask task, NetworkTrainerOptions options)
    {
        if (!options.UseFusedStep)
            return "UseFusedStep is false";
        if (module is not MlpModule mlp)
            return $"{module.GetType().Name} has no fused step";
        if (mlp.Dropout > 0)
            return System.FormattableString.Invariant($"dropout {mlp.Dropout} has no hand-written backward pass");
        if (task.WhyNoOutputGradient is string loss)
            return $"{loss} has no hand-written gradient";
        return null;
    }
}
