using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>
/// How the perceptron trainers build their network: fresh from the options, or from warm-start
/// parameters, which must have the shape the options and the data ask for (errors name the layer).
/// </summary>
internal static class MlpRecipe
{
    public static NetworkFit.NetworkRecipe For(MlpTrainerOptionsBase options, NetworkTask task, int featureCount, int outputSize, MlpModelParameters? initial)
    {
        if (initial is null)
        {
            return new NetworkFit.NetworkRecipe(
                () => new MlpModule(featureCount, options.HiddenLayers, outputSize, options.Activation, options.Dropout),
                (module, generator) => ((MlpModule)module).Initialize(options.WeightInitialization, generator),
                options.StandardizeFeatures);
        }
        CheckWarmStart(options, task, featureCount, outputSize, initial);
        return new NetworkFit.NetworkRecipe(() => MlpModule.From(initial, options.Dropout), Initialize: null);
    }

    /// <summary>The warm-start network must read the data's features, give the task's outputs and have the options' hidden layers.</summary>
    private static void CheckWarmStart(MlpTrainerOptionsBase options, NetworkTask task, int featureCount, int outputSize, MlpModelParameters initial)
    {
        if (initial.Task != task)
            throw new ArgumentException($"Warm start: the given network was trained for {initial.Task}; this trainer trains for {task}.", nameof(initial));
        var layers = initial.Layers;
        if (layers[0].InputSize != featureCount)
            throw new ArgumentException(
                $"Warm start: layer 0 of the given network reads {layers[0].InputSize} features, but the feature column '{options.FeatureColumnName}' has {featureCount}.", nameof(initial));
        if (layers[^1].OutputSize != outputSize)
            throw new ArgumentException(
                $"Warm start: layer {layers.Count - 1} (the output layer) of the given network gives {layers[^1].OutputSize} outputs, but this task needs {outputSize}" +
                (outputSize > 1 ? $" (the label '{options.LabelColumnName}' has {outputSize} classes)." : "."), nameof(initial));
        int hidden = layers.Count - 1;
        if (hidden != options.HiddenLayers.Length)
            throw new ArgumentException(
                $"Warm start: the given network has {hidden} hidden layer(s) ({string.Join("-", initial.HiddenLayers)}), but HiddenLayers asks for {options.HiddenLayers.Length} ({string.Join("-", options.HiddenLayers)}). Set HiddenLayers to the network's.", nameof(initial));
        for (int i = 0; i < hidden; i++)
        {
            if (layers[i].OutputSize != options.HiddenLayers[i])
                throw new ArgumentException(
                    $"Warm start: layer {i} of the given network has {layers[i].OutputSize} units, but HiddenLayers[{i}] is {options.HiddenLayers[i]}.", nameof(initial));
            if (layers[i].Activation != options.Activation)
                throw new ArgumentException(
                    $"Warm start: layer {i} of the given network uses {layers[i].Activation}, but Activation is {options.Activation}.", nameof(initial));
        }
    }
}
