using System.Collections.Concurrent;
using MnistPipeline.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them later).</summary>
internal sealed class RecordingProgress : IProgress<MnistDownloadProgress>
{
    public ConcurrentQueue<MnistDownloadProgress> Reports { get; } = new();

    public void Report(MnistDownloadProgress value) => Reports.Enqueue(value);

    public IEnumerable<MnistDownloadProgress> Of(MnistDownloadStage stage) => Reports.Where(r => r.Stage == stage);
}
