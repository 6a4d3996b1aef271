using static TorchSharp.torch;

namespace MnistPipeline.Training;

/// <summary>
/// Transforms the features of each training batch before the step (data augmentation): never at
/// validation or scoring. Draws its randomness from the loop's seeded generator, so that training
/// stays repeatable.
/// </summary>
internal interface IBatchAugmentation
{
    /// <summary>The augmented copy of a batch of rows [n, d], created in the caller's dispose scope.</summary>
    Tensor Augment(Tensor features, Generator generator);

    /// <summary>The settings for the log header.</summary>
    string Describe();
}
