using MnistPipeline.Training;

namespace MnistPipeline.Sample.Commands;

/// <summary>Options every command understands.</summary>
/// <param name="DataFolder">Folder of the MNIST files; null for MnistFiles' own resolution (MNIST_DATA, then the per-user cache).</param>
/// <param name="ModelPath">The model .zip written by train and read by evaluate and predict.</param>
/// <param name="Threads">libtorch threads for training; null for its default (the core count).</param>
/// <param name="Quiet">Only results: no download, training or progress lines.</param>
/// <param name="Offline">Use only the MNIST files already in the data folder: no mirror, no npm.</param>
internal sealed record CommonSettings(string? DataFolder, string ModelPath, int? Threads, bool Quiet, bool Offline);

/// <summary>
/// What <c>train</c> was asked to do: a network (mlp, cnn or lenet5), a preset (tutorial or
/// recommended, MLP only; null when not given) and the values that override it; the checkpoint
/// file (<c>--checkpoint</c>, or the default one when only <c>--resume</c> is given) and whether to resume from it.
/// </summary>
internal sealed record TrainSettings(
    CommonSettings Common,
    string Network,
    string? Preset,
    int? Epochs,
    int? BatchSize,
    double? LearningRate,
    NetworkOptimizer? Optimizer,
    ClassificationLoss? Loss,
    int[]? HiddenLayers,
    int Seed,
    int? TrainRows,
    int? TestRows,
    string? ReportFolder,
    string CommandLine,
    string? CheckpointPath = null,
    bool Resume = false);

/// <summary>What <c>evaluate</c> was asked to do.</summary>
internal sealed record EvaluateSettings(CommonSettings Common, int? TestRows, string? ReportFolder, string CommandLine);

/// <summary>What <c>predict</c> was asked to do: test-set indices and/or image files.</summary>
/// <param name="Common">Options every command understands.</param>
/// <param name="Indices">Test-set images by index.</param>
/// <param name="Images">Image files.</param>
/// <param name="Invert">The image files show a dark digit on a light background.</param>
/// <param name="AsIs">The image files are 28 x 28 in MNIST's format already: take their pixels unprepared.</param>
internal sealed record PredictSettings(CommonSettings Common, int[] Indices, string[] Images, bool Invert, bool AsIs);

/// <summary>What <c>serve</c> was asked to do.</summary>
/// <param name="Common">Options every command understands (the model file).</param>
/// <param name="Urls">Where to listen, as ASP.NET Core's <c>--urls</c>; null for <c>ASPNETCORE_URLS</c> or the default <c>http://localhost:5000</c>.</param>
/// <param name="MaxUploadMegabytes">Largest request body in MiB.</param>
internal sealed record ServeSettings(CommonSettings Common, string? Urls, int MaxUploadMegabytes);
