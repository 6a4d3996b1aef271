using MnistPipeline.Sample.Rendering;

namespace MnistPipeline.Tests.Sample;

[TestClass]
public sealed class AsciiDigitTests
{
    [TestMethod]
    public void Render_BarDigit_FourteenLinesWithTheBarInPlace()
    {
        var lines = AsciiDigit.Render(DigitFiles.Bar());
        Assert.HasCount(14, lines);
        Assert.IsTrue(lines.All(l => l.Length == 28));
        Assert.AreEqual(new string(' ', 28), lines[0], "rows 0-1 are black");
        Assert.AreEqual(new string(' ', 12) + "@@@@" + new string(' ', 12), lines[5]);
    }

    [TestMethod]
    public void Render_WrongLength_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => AsciiDigit.Render(new byte[100]));

    [TestMethod]
    public void Layout_TwoDigits_SideBySideWithinEightyColumns()
    {
        var lines = AsciiDigit.Layout([(DigitFiles.Bar(), ["first"]), (DigitFiles.Bar(), ["second"])], columns: 80).ToArray();
        Assert.IsTrue(lines.All(l => l.Length <= 80), string.Join("\n", lines));
        Assert.IsTrue(lines.Any(l => l.Contains("first", StringComparison.Ordinal) && l.Contains("second", StringComparison.Ordinal)));
    }
}
