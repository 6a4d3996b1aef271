using System.Globalization;

namespace MnistPipeline.Bench.Compare;

/// <summary>Facts about this process and the machine read from /proc (Linux); null elsewhere.</summary>
internal static class ProcessFacts
{
    /// <summary>Peak resident set size of this process so far (VmHWM), in bytes.</summary>
    public static long? PeakRssBytes() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>The 1-minute load average.</summary>
    public static double? LoadAverage1()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? StatusKilobytes(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }
}
