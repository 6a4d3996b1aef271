using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// One optimizer step on one batch: forward, loss, gradients, update. The training loop owns
/// batching, schedule, validation and progress; a step owns how gradients are computed
/// (autograd here; a network kind may add a faster path for the cases it covers).
/// </summary>
internal interface ITrainingStep : IDisposable
{
    /// <summary>A short name for the log header, e.g. "autograd".</summary>
    string Name { get; }

    /// <summary>
    /// Trains on one batch. Returns the batch's mean loss and its number of rows predicted right
    /// (before the update) as scalar tensors, created in the caller's dispose scope; the loop
    /// reads them when it needs the values.
    /// </summary>
    (Tensor Loss, Tensor? Correct) Step(Tensor features, Tensor targets, double learningRate);
}

/// <summary>The general step: autograd computes the gradients, the updater applies them.</summary>
internal sealed class AutogradStep : ITrainingStep
{
    private readonly NetworkModule _module;
    private readonly TrainingTask _task;
    private readonly ParameterUpdater _updater;

    public AutogradStep(NetworkModule module, TrainingTask task, ParameterUpdater updater)
    {
        _module = module;
        _task = task;
        _updater = updater;
    }

    public string Name => "autograd";

    public (Tensor Loss, Tensor? Correct) Step(Tensor features, Tensor targets, double learningRate)
    {
        var outputs = _module.forward(features);
        var loss = _task.TrainingLoss(outputs, targets);
        _module.zero_grad();
        loss.backward();
        _updater.StepFromAutograd(learningRate);
        using var noGrad = no_grad();
        var correct = _task.HasAccuracy ? _task.CorrectCount(outputs, targets) : null;
        return (loss.detach(), correct);
    }

    public void Dispose()
    {
    }
}
