using System.Text.Json;
using MnistPipeline.Bench.Contenders;

namespace MnistPipeline.Bench.Compare;

/// <summary>The child side: <c>contender NAME --result-file F</c>, <c>limit --result-file F</c> or <c>cursorpass --result-file F</c>.</summary>
internal static class ContenderCommand
{
    public static int RunContender(string name, BenchSettings settings, string resultFile)
    {
        var contender = ContenderCatalog.Find(name);
        var result = contender.Run(settings);
        File.WriteAllText(resultFile, JsonSerializer.Serialize(result, Json.Options));
        return 0;
    }

    public static int RunLimit(BenchSettings settings, string resultFile)
    {
        var limit = MachineLimit.Measure(settings.MatrixSize, settings.Threads) with
        {
            RecipeGemms = [.. MachineLimit.RecipeBatchSizes.Select(batch => RecipeGemmLimit.Measure(batch, settings.Threads))],
        };
        File.WriteAllText(resultFile, JsonSerializer.Serialize(limit, Json.Options));
        return 0;
    }

    public static int RunCursorPass(BenchSettings settings, string resultFile)
    {
        var timing = CursorPassTiming.Measure(settings.DataDirectory);
        File.WriteAllText(resultFile, JsonSerializer.Serialize(timing, Json.Options));
        return 0;
    }
}
