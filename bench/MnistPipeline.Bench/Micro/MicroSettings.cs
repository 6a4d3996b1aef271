namespace MnistPipeline.Bench.Micro;

/// <summary>Settings of the microbenchmarks; they run in this process (in-process toolchain), so a static suffices.</summary>
internal static class MicroSettings
{
    public static int Threads { get; set; } = Environment.ProcessorCount;

    public static string? DataDirectory { get; set; }
}
