using System.Buffers.Binary;
using MnistPipeline.Sample;

namespace MnistPipeline.Tests.Sample;

/// <summary>Runs the sample in-process, as its Main would, and keeps what it printed.</summary>
internal sealed record SampleRun(int ExitCode, string Out, string Error)
{
    public static SampleRun Of(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = SampleApp.Run(args, output, error, interactive: false);
        return new SampleRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>For assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Error}";

    /// <summary>The single error line (the contract: one line on stderr, starting "error: ").</summary>
    public string ErrorLine
    {
        get
        {
            var lines = Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.HasCount(1, lines, ToString());
            StringAssert.StartsWith(lines[0], "error: ", ToString());
            return lines[0];
        }
    }
}

/// <summary>Checks PNG files without trusting the writer: signature, IHDR chunk, and a full decode.</summary>
internal static class PngFile
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static (int Width, int Height) Check(string path)
    {
        Assert.IsTrue(File.Exists(path), $"{path} exists");
        byte[] bytes = File.ReadAllBytes(path);
        Assert.IsGreaterThan(33, bytes.Length, $"{path} is longer than a PNG header");
        CollectionAssert.AreEqual(Signature, bytes[..8], $"{path} starts with the PNG signature");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4), $"{path}: first chunk");
        int width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16));
        int height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20));
        using var bitmap = SkiaSharp.SKBitmap.Decode(bytes);
        Assert.IsNotNull(bitmap, $"{path} decodes");
        Assert.AreEqual((width, height), (bitmap.Width, bitmap.Height));
        return (width, height);
    }
}
