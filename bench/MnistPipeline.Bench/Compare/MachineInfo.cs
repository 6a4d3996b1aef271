using System.Runtime.InteropServices;

namespace MnistPipeline.Bench.Compare;

/// <summary>What machine and software a result was measured on.</summary>
internal sealed record MachineInfo
{
    public required string Cpu { get; init; }
    public required int Cores { get; init; }
    public required double MemoryGiB { get; init; }
    public required string Os { get; init; }
    public required string Runtime { get; init; }
    public required string MlNet { get; init; }
    public required string TorchSharp { get; init; }
    public required string MnistPipeline { get; init; }

    public string Describe() =>
        $"{Cpu}, {Cores} cores, {MemoryGiB:F1} GiB; {Os}; {Runtime}; ML.NET {MlNet}, TorchSharp {TorchSharp}, MnistPipeline {MnistPipeline}";

    public static MachineInfo Read() => new()
    {
        Cpu = ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores = Environment.ProcessorCount,
        MemoryGiB = MemoryKilobytes() / 1024.0 / 1024.0,
        Os = OsName(),
        Runtime = RuntimeInformation.FrameworkDescription,
        MlNet = Version(typeof(Microsoft.ML.MLContext)),
        TorchSharp = Version(typeof(TorchSharp.torch)),
        MnistPipeline = Version(typeof(MnistPipeline.Training.MlpTrainer)),
    };

    private static string Version(Type type)
    {
        var assembly = type.Assembly;
        string? informational = assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        return (informational ?? assembly.GetName().Version?.ToString() ?? "?").Split('+')[0];
    }

    private static string OsName()
    {
        string? pretty = ProcField("/etc/os-release", "PRETTY_NAME", '=')?.Trim('"');
        return $"{pretty ?? RuntimeInformation.OSDescription}, kernel {Environment.OSVersion.Version}";
    }

    private static double MemoryKilobytes()
    {
        string? total = ProcField("/proc/meminfo", "MemTotal");
        return total is null ? 0 : double.Parse(total.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string? ProcField(string path, string name, char separator = ':')
    {
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                int at = line.IndexOf(separator);
                if (at > 0 && line[..at].Trim() == name)
                    return line[(at + 1)..].Trim();
            }
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
