using MnistPipeline.Networks;

namespace MnistPipeline.Training;

/// <summary>
/// How the convolutional network trainers build their network: fresh from the options, or from
/// warm-start parameters, which must have the architecture the options and the data ask for
/// (errors name the layer of the options and of the given network).
/// </summary>
internal static class ConvNetRecipe
{
    public static NetworkFit.NetworkRecipe For(ConvNetTrainerOptionsBase options, NetworkTask task, ImageShape image, int outputSize, ConvNetModelParameters? initial)
    {
        ConvNetArchitecture.CheckFits(options.Layers, image, nameof(options.Layers), options.FeatureColumnName);
        if (initial is null)
        {
            return new NetworkFit.NetworkRecipe(
                () => new ConvNetModule(image, options.Layers, outputSize, options.Activation),
                (module, generator) => ((ConvNetModule)module).Initialize(options.WeightInitialization, generator), Image: image);
        }
        CheckWarmStart(options, task, image, outputSize, initial);
        return new NetworkFit.NetworkRecipe(() => ConvNetModule.From(initial, options.Layers, options.Activation), Initialize: null, Image: image);
    }

    /// <summary>The warm-start network must read the data's images, give the task's outputs and have the options' layers and activation.</summary>
    private static void CheckWarmStart(ConvNetTrainerOptionsBase options, NetworkTask task, ImageShape image, int outputSize, ConvNetModelParameters initial)
    {
        const string Layers = nameof(ConvNetTrainerOptionsBase.Layers);
        if (initial.Task != task)
            throw new ArgumentException($"Warm start: the given network was trained for {initial.Task}; this trainer trains for {task}.", nameof(initial));
        if (initial.InputShape != image)
            throw new ArgumentException(
                $"Warm start: layer 0 of the given network reads images of {initial.InputShape}, but the feature column '{options.FeatureColumnName}' holds images of {image}.", nameof(initial));

        // The weighted layers of the options, in order, against the given network's.
        var features = options.Layers.Select((spec, index) => (spec, index)).Where(p => p.spec is ConvolutionSpec or MaxPoolingSpec).ToArray();
        var given = initial.FeatureLayers;
        for (int i = 0; i < Math.Max(features.Length, given.Count); i++)
        {
            if (i >= given.Count)
                throw new ArgumentException(
                    $"Warm start: {Layers}[{features[i].index}] ({features[i].spec}) has no counterpart: the given network has {given.Count} feature layer(s) ({string.Join(", ", given)}).", nameof(initial));
            if (i >= features.Length)
                throw new ArgumentException(
                    $"Warm start: feature layer {i} of the given network ({given[i]}) has no counterpart in {Layers}, which lists {features.Length} convolution and pooling layer(s).", nameof(initial));
            var (spec, index) = features[i];
            bool same = (spec, given[i]) switch
            {
                (ConvolutionSpec s, ConvolutionLayer g) => s.Channels == g.OutputChannels && s.KernelSize == g.KernelSize && s.Stride == g.Stride
                    && s.Padding == g.Padding && s.BatchNormalization == (g.BatchNormalization is not null),
                (MaxPoolingSpec s, MaxPoolingLayer g) => s.KernelSize == g.KernelSize && s.Stride == g.Stride,
                _ => false,
            };
            if (!same)
                throw new ArgumentException($"Warm start: feature layer {i} of the given network is {given[i]}, but {Layers}[{index}] is {spec}.", nameof(initial));
            if (given[i] is ConvolutionLayer { Activation: var activation } && activation != options.Activation)
                throw new ArgumentException($"Warm start: feature layer {i} of the given network ({given[i]}) uses {activation}, but Activation is {options.Activation}.", nameof(initial));
        }

        var hidden = options.Layers.Select((spec, index) => (spec, index)).Where(p => p.spec is DenseSpec).ToArray();
        var dense = initial.DenseLayers;
        if (dense.Count - 1 != hidden.Length)
            throw new ArgumentException(
                $"Warm start: the given network has {dense.Count - 1} hidden dense layer(s) ({string.Join("-", dense.Take(dense.Count - 1).Select(l => l.OutputSize))}), " +
                $"but {Layers} lists {hidden.Length} ({string.Join("-", hidden.Select(h => ((DenseSpec)h.spec).Units))}).", nameof(initial));
        for (int i = 0; i < hidden.Length; i++)
        {
            var (spec, index) = hidden[i];
            if (dense[i].OutputSize != ((DenseSpec)spec).Units)
                throw new ArgumentException($"Warm start: dense layer {i} of the given network has {dense[i].OutputSize} units, but {Layers}[{index}] is {spec}.", nameof(initial));
            if (dense[i].Activation != options.Activation)
                throw new ArgumentException($"Warm start: dense layer {i} of the given network uses {dense[i].Activation}, but Activation is {options.Activation}.", nameof(initial));
        }
        if (dense[^1].OutputSize != outputSize)
            throw new ArgumentException(
                $"Warm start: dense layer {dense.Count - 1} (the output layer) of the given network gives {dense[^1].OutputSize} outputs, but this task needs {outputSize}" +
                (outputSize > 1 ? $" (the label '{options.LabelColumnName}' has {outputSize} classes)." : "."), nameof(initial));
    }
}
