using Microsoft.ML;
using Microsoft.ML.Runtime;
using MnistPipeline.Networks;
using MnistPipeline.Scoring;

namespace MnistPipeline.Training;

/// <summary>
/// What every network trainer of the library offers, as ML.NET's trainers do: <c>Fit</c> on
/// training data, with validation data, and from given weights (warm start, ML.NET's
/// <c>Fit(trainData, modelParameters)</c> convention).
/// </summary>
/// <typeparam name="TTransformer">The fitted transformer.</typeparam>
/// <typeparam name="TModel">The trained network's parameters.</typeparam>
public abstract class NetworkTrainer<TTransformer, TModel> : IEstimator<TTransformer>
    where TTransformer : NetworkTransformer<TModel>
    where TModel : NetworkModelParameters
{
    private protected NetworkTrainer(MLContext mlContext, NetworkTrainerOptions options, string hostName)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentNullException.ThrowIfNull(options);
        MLContext = mlContext;
        Host = ((IHostEnvironment)mlContext).Register(hostName);
        TrainerOptions = options;
    }

    /// <summary>The trainer's own validated copy of its options.</summary>
    private protected NetworkTrainerOptions TrainerOptions { get; }

    /// <summary>The context the trainer was made with (seed, log, device, temp folder).</summary>
    private protected MLContext MLContext { get; }

    /// <summary>The trainer's host on the context's log.</summary>
    private protected IHost Host { get; }

    /// <summary>Trains on <paramref name="input"/> (and <see cref="NetworkTrainerOptions.ValidationData"/> if set).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="InvalidOperationException">No usable training rows, or the loss became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException"><see cref="NetworkTrainerOptions.CancellationToken"/> was cancelled.</exception>
    public TTransformer Fit(IDataView input) => Fit(input, TrainerOptions.ValidationData, null);

    /// <summary>Trains on <paramref name="trainData"/>, measuring <paramref name="validationData"/> after every epoch.</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">Data to measure after every epoch (and for early stopping); null for none.</param>
    public TTransformer Fit(IDataView trainData, IDataView? validationData) => Fit(trainData, validationData, null);

    /// <summary>
    /// Continues training from <paramref name="modelParameters"/> (warm start): a fitted
    /// transformer's <see cref="NetworkTransformer{TModel}.Model"/>, or the parameters of a saved
    /// model read with <see cref="NetworkModelParameters.Load(string)"/>. The network must have the
    /// architecture the options ask for, read the data's features and give the task's outputs;
    /// a mismatch throws <see cref="ArgumentException"/> naming the layer.
    /// </summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="modelParameters">The weights to start from.</param>
    public TTransformer Fit(IDataView trainData, TModel modelParameters)
        => Fit(trainData, TrainerOptions.ValidationData, modelParameters ?? throw new ArgumentNullException(nameof(modelParameters)));

    /// <summary>Trains with validation data, from <paramref name="modelParameters"/> when given (warm start).</summary>
    /// <param name="trainData">The training data.</param>
    /// <param name="validationData">Data to measure after every epoch; null for none.</param>
    /// <param name="modelParameters">The weights to start from; null for a fresh network.</param>
    public abstract TTransformer Fit(IDataView trainData, IDataView? validationData, TModel? modelParameters);

    /// <summary>The schema that <c>Fit</c> will produce: the input columns plus the trainer's output columns.</summary>
    public abstract SchemaShape GetOutputSchema(SchemaShape inputSchema);
}
