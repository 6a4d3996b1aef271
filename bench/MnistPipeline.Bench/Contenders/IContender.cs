using MnistPipeline.Bench.Compare;

namespace MnistPipeline.Bench.Contenders;

/// <summary>
/// One entry of the side-by-side table. <see cref="Run"/> executes in a fresh child process
/// (<c>contender NAME</c>), so that peak memory, native memory and libtorch's process-wide
/// state belong to that contender alone.
/// </summary>
internal interface IContender
{
    /// <summary>The name on the command line and in the table.</summary>
    string Name { get; }

    /// <summary>Trains, evaluates, saves and scores; throws on any failure.</summary>
    ContenderResult Run(BenchSettings settings);
}
