using MnistPipeline.Sample.Rendering;
using MnistPipeline.Training;

namespace MnistPipeline.Tests.Sample;

[TestClass]
public sealed class TerminalProgressRendererTests
{
    private static readonly TrainingProgress Halfway = new(5, 10, 9_374, 18_750, 0.0312, 0.9731, TimeSpan.FromSeconds(10));

    [TestMethod]
    public void Format_Halfway_ShowsEpochStepLossAccuracyAndTimeLeft()
    {
        string bar = TerminalProgressRenderer.Format(Halfway, 120);
        StringAssert.StartsWith(bar, "epoch 5/10 [");
        StringAssert.Contains(bar, "step 9,375/18,750");
        StringAssert.Contains(bar, "loss 0.0312");
        StringAssert.Contains(bar, "acc 0.9731");
        StringAssert.Contains(bar, "10 s left");
        int filled = bar.Count(c => c == '#'), empty = bar.Count(c => c == '.') - 2; // two dots are in the numbers
        Assert.AreEqual(filled, empty, 1, bar);
    }

    [TestMethod]
    [DataRow(40)]
    [DataRow(80)]
    [DataRow(200)]
    public void Format_AnyWidth_FitsTheTerminal(int columns)
        => Assert.IsLessThan(columns, TerminalProgressRenderer.Format(Halfway, columns).Length);

    [TestMethod]
    public void Line_WhileABarIsShown_ErasesItPrintsTheLineAndRedrawsIt()
    {
        using var output = new StringWriter();
        var renderer = new TerminalProgressRenderer(output, () => 100);
        renderer.Progress(Halfway);
        renderer.Line("Step 9400: Loss is: 0.0300 Accuracy: 0.9700");
        renderer.Finish();
        string text = output.ToString();
        int line = text.IndexOf("Step 9400", StringComparison.Ordinal);
        Assert.IsGreaterThan(0, line);
        StringAssert.Contains(text[..line], "\r\u001b[2K", "the bar is erased before the line");
        StringAssert.Contains(text[line..], "epoch 5/10", "and drawn again after it");
        StringAssert.EndsWith(text, "\r\u001b[2K", "Finish leaves an empty line");
    }

    [TestMethod]
    public void For_RedirectedOutput_PrintsPlainLines()
    {
        using var output = new StringWriter();
        var renderer = ProgressRenderer.For(new SampleConsole(output, TextWriter.Null, Interactive: false), quiet: false);
        renderer.Progress(Halfway);
        renderer.Line("Epoch 1/10: training loss 0.1");
        renderer.Finish();
        Assert.AreEqual("Epoch 1/10: training loss 0.1" + Environment.NewLine, output.ToString());
    }

    [TestMethod]
    public void Duration_Long_UsesMinutesAndHours()
    {
        Assert.AreEqual("2 min 05 s", TerminalProgressRenderer.Duration(TimeSpan.FromSeconds(125)));
        Assert.AreEqual("1 h 01 min", TerminalProgressRenderer.Duration(TimeSpan.FromMinutes(61)));
    }
}
