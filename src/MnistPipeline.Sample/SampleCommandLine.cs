using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using MnistPipeline.Data;
using MnistPipeline.Sample.Commands;
using MnistPipeline.Sample.Rendering;
using MnistPipeline.Training;

namespace MnistPipeline.Sample;

/// <summary>
/// The sample's command line: <c>[train]</c> (the default), <c>evaluate</c>, <c>predict</c> and <c>serve</c>,
/// their options, and the values they turn into (<see cref="TrainSettings"/> and friends).
/// </summary>
internal sealed class SampleCommandLine
{
    public const string DefaultModelPath = "mnist-mlp.zip";
    public const string DefaultReportFolder = "report";
    public const int DefaultSeed = 1;
    public const string DefaultCheckpointExtension = ".ckpt";
    public static readonly int[] DefaultPredictIndices = [0, 1, 2, 3];

    // Every command.
    private readonly Option<string?> _data = new("--data")
    {
        Description = $"Folder of the four MNIST IDX files [default: ${MnistFiles.DataDirectoryVariable}, else {MnistFiles.DefaultDataDirectory}; missing files are fetched there]",
        HelpName = "folder",
        Recursive = true,
    };

    private readonly Option<string> _model = new("--model")
    {
        Description = "The model file that train writes and evaluate and predict read",
        HelpName = "file",
        DefaultValueFactory = _ => DefaultModelPath,
        Recursive = true,
    };

    private readonly Option<int?> _threads = new("--threads")
    {
        Description = "libtorch threads for training [default: the number of cores]",
        HelpName = "n",
        Recursive = true,
    };

    private readonly Option<bool> _quiet = new("--quiet", "-q")
    {
        Description = "Print results only: no download, training or progress lines",
        Recursive = true,
    };

    private readonly Option<bool> _offline = new("--offline")
    {
        Description = "Use only the MNIST files already in the data folder: fetch nothing",
        Recursive = true,
    };

    // train
    private readonly Option<string> _network = new("--network")
    {
        Description = "mlp: a multilayer perceptron (MlpTrainer, see --preset); cnn: ConvNetTrainer's recommended convolutional network " +
                      "(conv 16 + BN, pool, conv 64 + BN, pool, dense 128, dropout; Adam, 6 epochs on shifted, rotated and scaled images; about 0.993); lenet5: LeNet-5",
        DefaultValueFactory = _ => SampleNetwork.Mlp,
    };

    private readonly Option<string> _preset = new("--preset")
    {
        Description = "tutorial: the Keras tutorial exactly (256-128 ReLU, SGD 0.01, squared error, batch 32, 10 epochs, no shuffling); " +
                      "recommended: Adam 0.002 with cosine decay, cross-entropy, batch 128, 10 shuffled epochs; " +
                      "best: a wider MLP trained on distorted images (about 0.99, a few minutes); " +
                      "defaults: the trainer's defaults (batch and epochs chosen for the data, early stopping)",
        DefaultValueFactory = _ => "tutorial",
    };

    private readonly Option<int?> _epochs = new("--epochs") { Description = "Passes over the training data [default: the preset's; automatic for defaults]", HelpName = "n" };
    private readonly Option<int?> _batchSize = new("--batch-size") { Description = "Images per training step [default: the preset's; automatic for defaults]", HelpName = "n" };
    private readonly Option<double?> _learningRate = new("--learning-rate") { Description = "Initial learning rate [default: the preset's, 0.01 or 0.002]", HelpName = "rate" };

    private readonly Option<NetworkOptimizer?> _optimizer = new("--optimizer")
    {
        Description = "sgd or adam [default: the preset's]",
        HelpName = "sgd|adam",
        CustomParser = ParseEnum<NetworkOptimizer>,
    };

    private readonly Option<ClassificationLoss?> _loss = new("--loss")
    {
        Description = "cross-entropy or squared-error [default: the preset's]",
        HelpName = "cross-entropy|squared-error",
        CustomParser = ParseEnum<ClassificationLoss>,
    };

    private readonly Option<int[]?> _hidden = new("--hidden")
    {
        Description = "Units of each hidden layer, e.g. 256,128; 'none' for no hidden layer [default: 256,128]",
        HelpName = "sizes",
        CustomParser = r => ParseIntList(r, allowNone: true),
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<int> _seed = new("--seed")
    {
        Description = "Seed of the MLContext: weights, shuffling; the same seed and thread count give the same model",
        DefaultValueFactory = _ => DefaultSeed,
    };

    private readonly Option<int?> _trainRows = new("--train-rows") { Description = "Train on the first n training images only (quick runs) [default: all 60,000]", HelpName = "n" };
    private readonly Option<int?> _testRows = new("--test-rows") { Description = "Evaluate on the first n test images only [default: all 10,000]", HelpName = "n" };

    private readonly Option<string> _report = new("--report")
    {
        Description = "Folder for the report: plots (PNG), report.md, metrics.json",
        HelpName = "folder",
        DefaultValueFactory = _ => DefaultReportFolder,
    };

    private readonly Option<bool> _noReport = new("--no-report") { Description = "Write no report folder" };

    private readonly Option<string?> _checkpoint = new("--checkpoint")
    {
        Description = "Save a checkpoint of training to this file after every epoch and on Ctrl+C, so that --resume can continue it; removed when training finishes",
        HelpName = "file",
    };

    private readonly Option<bool> _resume = new("--resume")
    {
        Description = $"Continue an interrupted training from its checkpoint (--checkpoint, default: the model file's name with {DefaultCheckpointExtension}); give the same options as before",
    };

    // evaluate
    private readonly Option<string?> _evaluateReport = new("--report")
    {
        Description = "Also write a report folder (confusion matrix, misclassified digits, report.md, metrics.json) [default: none]",
        HelpName = "folder",
    };

    // predict
    private readonly Option<int[]?> _index = new("--index")
    {
        Description = "Indices of test-set images to predict, e.g. 0 1 2 or 0,1,2 [default: 0 1 2 3 when no --image is given]",
        HelpName = "i",
        CustomParser = r => ParseIntList(r, allowNone: false),
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<string[]?> _image = new("--image")
    {
        Description = "Image files to predict: PNG, JPEG or PGM (P2/P5) of one digit, any size and colour; prepared like MNIST (light background inverted, cropped, fitted to 20x20, centred in 28x28)",
        HelpName = "file",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<bool> _invert = new("--invert") { Description = "The image files show a dark digit on a light background [default: decided per image]" };

    private readonly Option<bool> _asIs = new("--as-is") { Description = "Take 28x28 grayscale image files pixel for pixel, already in MNIST's format (white digit on black, unless --invert)" };

    // serve
    private readonly Option<string?> _urls = new("--urls")
    {
        Description = $"Where to listen, ';'-separated, as ASP.NET Core apps take it [default: $ASPNETCORE_URLS, else {Serve.ServeOptions.DefaultUrls}]",
        HelpName = "urls",
    };

    private readonly Option<int> _maxUpload = new("--max-upload-mb")
    {
        Description = "Largest request body in MiB; larger ones get 413",
        HelpName = "n",
        DefaultValueFactory = _ => 8,
    };

    private readonly SampleConsole _console;

    public SampleCommandLine(SampleConsole console)
    {
        _console = console;
        _preset.AcceptOnlyFromAmong("tutorial", "recommended", "best", "defaults");
        _network.AcceptOnlyFromAmong(SampleNetwork.Names);
        _maxUpload.CustomParser = r => ParsePositiveInt(r) ?? 0;
        foreach (var option in new[] { _threads, _epochs, _batchSize, _trainRows, _testRows })
            option.CustomParser = ParsePositiveInt;
        _learningRate.CustomParser = ParsePositiveNumber;

        Root = new RootCommand(
            "MnistPipeline sample: train a multilayer perceptron on MNIST with ML.NET and TorchSharp, evaluate it, save it, " +
            "reload it and predict. Without a command it trains (the Keras tutorial's recipe by default).");
        Root.Options.Add(_data);
        Root.Options.Add(_model);
        Root.Options.Add(_threads);
        Root.Options.Add(_quiet);
        Root.Options.Add(_offline);
        AddTrainOptions(Root);
        Root.SetAction((result, cancel) => Task.FromResult(Train(result, cancel)));

        var train = new Command("train", "Fetch MNIST, train, evaluate on the test set, save the model, write the report, reload it and predict (the default).");
        AddTrainOptions(train);
        train.SetAction((result, cancel) => Task.FromResult(Train(result, cancel)));
        Root.Subcommands.Add(train);

        var evaluate = new Command("evaluate", "Evaluate a saved model on the MNIST test set: accuracy, log-loss, confusion matrix.");
        evaluate.Options.Add(_testRows);
        evaluate.Options.Add(_evaluateReport);
        evaluate.SetAction((result, _) => Task.FromResult(new EvaluateCommand(_console, new EvaluateSettings(
            Common(result), result.GetValue(_testRows), result.GetValue(_evaluateReport), Describe(result))).Run()));
        Root.Subcommands.Add(evaluate);

        var predict = new Command("predict", "Predict digits with a saved model: test-set images by index, or image files of digits (any size; prepared like MNIST).");
        predict.Options.Add(_index);
        predict.Options.Add(_image);
        predict.Options.Add(_invert);
        predict.Options.Add(_asIs);
        predict.SetAction((result, _) =>
        {
            string[] images = Given(result, _image) ?? [];
            int[] indices = Given(result, _index) ?? (images.Length == 0 ? DefaultPredictIndices : []);
            return Task.FromResult(new PredictCommand(_console, new PredictSettings(Common(result), indices, images, result.GetValue(_invert), result.GetValue(_asIs))).Run());
        });
        Root.Subcommands.Add(predict);

        var serve = new Command("serve", "Serve the saved model over HTTP: a page to draw a digit on, POST /predict (PNG, JPEG or JSON), GET /health; a replaced model file is swapped in.");
        serve.Options.Add(_urls);
        serve.Options.Add(_maxUpload);
        serve.SetAction((result, cancel) => Task.FromResult(new ServeCommand(_console, new ServeSettings(
            Common(result), result.GetValue(_urls), result.GetValue(_maxUpload))).Run(cancel)));
        Root.Subcommands.Add(serve);
    }

    public RootCommand Root { get; }

    private void AddTrainOptions(Command command)
    {
        foreach (Option option in new Option[]
                 {
                     _network, _preset, _epochs, _batchSize, _learningRate, _optimizer, _loss, _hidden, _seed, _trainRows, _testRows, _report, _noReport,
                     _checkpoint, _resume,
                 })
        {
            command.Options.Add(option);
        }
    }

    private int Train(ParseResult result, CancellationToken cancel)
    {
        var settings = new TrainSettings(
            Common(result),
            result.GetValue(_network)!,
            result.GetResult(_preset) is { Implicit: false } ? result.GetValue(_preset) : null,
            result.GetValue(_epochs),
            result.GetValue(_batchSize),
            result.GetValue(_learningRate),
            result.GetValue(_optimizer),
            result.GetValue(_loss),
            Given(result, _hidden),
            result.GetValue(_seed),
            result.GetValue(_trainRows),
            result.GetValue(_testRows),
            result.GetValue(_noReport) ? null : result.GetValue(_report),
            Describe(result),
            CheckpointPath(result),
            result.GetValue(_resume));
        return new TrainCommand(_console, settings).Run(cancel);
    }

    /// <summary>--checkpoint's file; with --resume alone, the model's name with <see cref="DefaultCheckpointExtension"/>; else none.</summary>
    private string? CheckpointPath(ParseResult result)
        => result.GetValue(_checkpoint)
           ?? (result.GetValue(_resume) ? Path.ChangeExtension(result.GetValue(_model) ?? DefaultModelPath, DefaultCheckpointExtension) : null);

    /// <summary>The option's value if it was on the command line, else null (array options otherwise read as empty).</summary>
    private static T? Given<T>(ParseResult result, Option<T?> option) where T : class
        => result.GetResult(option) is { Implicit: false } ? result.GetValue(option) : null;

    private CommonSettings Common(ParseResult result) => new(
        result.GetValue(_data),
        result.GetValue(_model) ?? DefaultModelPath,
        result.GetValue(_threads),
        result.GetValue(_quiet),
        result.GetValue(_offline));

    /// <summary>The command line as typed, for the report.</summary>
    private static string Describe(ParseResult result) => string.Join(" ", result.Tokens.Select(t => t.Value));

    /// <summary>A whole number ≥ 1, read the same in every culture.</summary>
    private static int? ParsePositiveInt(ArgumentResult result)
    {
        string token = Token(result);
        if (int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 1)
            return value;
        result.AddError($"{OptionName(result)} must be a whole number ≥ 1; found '{token}'.");
        return null;
    }

    /// <summary>A finite number &gt; 0 with a '.' decimal point, read the same in every culture.</summary>
    private static double? ParsePositiveNumber(ArgumentResult result)
    {
        string token = Token(result);
        if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value > 0)
            return value;
        result.AddError($"{OptionName(result)} must be a number > 0 such as 0.01; found '{token}'.");
        return null;
    }

    private static string Token(ArgumentResult result) => string.Join(" ", result.Tokens.Select(t => t.Value));

    private static string OptionName(ArgumentResult result) => (result.Parent as OptionResult)?.Option.Name ?? "the value";

    /// <summary>Enum names, case-insensitive, with or without hyphens: cross-entropy, CrossEntropy, sgd.</summary>
    private static T? ParseEnum<T>(ArgumentResult result) where T : struct, Enum
    {
        string token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(" ", result.Tokens.Select(t => t.Value));
        if (Enum.TryParse<T>(token.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var value) && Enum.IsDefined(value))
            return value;
        string names = string.Join(", ", Enum.GetNames<T>().Select(Hyphenate));
        result.AddError($"'{token}' is not one of: {names}.");
        return null;
    }

    /// <summary>CrossEntropy -> cross-entropy.</summary>
    internal static string Hyphenate(string name)
        => string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>Integers separated by commas and/or spaces, over one or more tokens; 'none' for an empty list.</summary>
    private static int[]? ParseIntList(ArgumentResult result, bool allowNone)
    {
        var parts = result.Tokens
            .SelectMany(t => t.Value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToArray();
        if (allowNone && parts is ["none"])
            return [];
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] < 0)
            {
                result.AddError($"'{parts[i]}' is not a whole number ≥ 0 (in '{string.Join(" ", result.Tokens.Select(t => t.Value))}').");
                return null;
            }
        }
        if (values.Length == 0)
        {
            result.AddError("Expected at least one number.");
            return null;
        }
        return values;
    }
}
