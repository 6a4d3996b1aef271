using System.Globalization;

namespace MnistPipeline.Bench.Compare;

/// <summary>The targets of the ConvNet issue (16), from the ConvNet contenders of the run; Met is null when a contender is missing.</summary>
internal static class ConvNetTargets
{
    /// <summary>Training time budget of the default ConvNet on the 2-core machine.</summary>
    public const double BudgetSeconds = 180;

    public static IEnumerable<TargetCheck> Evaluate(Func<string, ContenderResult?> find)
    {
        var convnet = find("convnet");
        var plain = find("plain-torchsharp-convnet");
        var lenet = find("convnet-lenet5");
        var plainLenet = find("plain-torchsharp-lenet5");

        const string defaultTarget = "ConvNet default (Options.Recommended()) test accuracy ≥ 0.993 in ≤ 180 s of training";
        yield return convnet is { TestAccuracy: double a, TrainWallSeconds: double wall }
            ? new(defaultTarget, F($"accuracy {a:F4}; train wall {wall:F1} s (pipeline Fit: data read, {convnet.Epochs} epochs, scoring model)"), a >= 0.993 && wall <= BudgetSeconds)
            : new(defaultTarget, "not measured (contender missing)", null);

        const string lenetTarget = "ConvNet LeNet-5 (Options.LeNet5()) test accuracy ≥ 0.990";
        yield return lenet is { TestAccuracy: double l }
            ? new(lenetTarget, F($"accuracy {l:F4}; train wall {lenet.TrainWallSeconds:F1} s"), l >= 0.990)
            : new(lenetTarget, "not measured (contender missing)", null);

        foreach (var (name, trainer, loop) in new[] { ("default", convnet, plain), ("LeNet-5", lenet, plainLenet) })
        {
            string target = $"ConvNet {name} epoch time ≤ 1.05 × the plain TorchSharp loop's (same network and recipe; per training row)";
            yield return trainer?.EpochSecondsMedian is double t && loop?.EpochSecondsMedian is double p
                ? new(target, F($"{TargetCheck.EpochRatio(trainer, t, loop, p):F3}× (median epoch {t:F3} s vs {p:F3} s{TargetCheck.RowsNote(trainer, loop)}; test accuracy {trainer.TestAccuracy:F4} vs {loop.TestAccuracy:F4})"),
                    TargetCheck.EpochRatio(trainer, t, loop, p) <= 1.05)
                : new(target, "not measured (contender missing)", null);
        }

        const string reload = "The loaded ConvNet .zip scores like the fitted model (test accuracy of both)";
        var loaded = new[] { convnet, lenet }.Where(c => c?.LoadedModelAccuracy is not null).ToArray();
        yield return loaded.Length > 0
            ? new(reload, string.Join("; ", loaded.Select(c => F($"{c!.Contender}: fitted {c.TestAccuracy:F4}, loaded {c.LoadedModelAccuracy:F4}"))),
                loaded.All(c => Math.Abs(c!.LoadedModelAccuracy!.Value - c.TestAccuracy!.Value) < 1e-9))
            : new(reload, "not measured (contender missing)", null);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
