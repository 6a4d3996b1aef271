using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MnistPipeline.Tests.Build;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Packaging;

/// <summary>
/// The packages as a user gets them: packed from this repository into a local folder feed, then
/// used by apps in a folder outside the repository (<see cref="ConsumerWorkspace"/>), built, run
/// and published with the dotnet CLI as child processes. The apps are in
/// <c>Packaging/ConsumerApps</c>. About two minutes on 2 cores; skip with
/// <c>--filter TestCategory!=Consumer</c>.
/// </summary>
[TestClass]
[TestCategory(Category)]
public sealed partial class ConsumerAppTests
{
    public const string Category = "Consumer";

    private const string TrainingApp = "TrainingApp";
    private const string ScoringApp = "ScoringApp";
    private const string Library = "libLibTorchSharp.so";
    private const string LibStdCxxVersion = "GLIBCXX_3.4.32";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> s_trainingAppDll = new(() => Build(TrainingApp));
    private static readonly Lazy<string> s_scoringAppDll = new(() => Build(ScoringApp));
    private static readonly Lazy<TrainingRun> s_trainingRun = new(RunTrainingApp);

    private sealed record TrainingRun(string ModelPath, double Accuracy, string[] ProbeLines, DotnetCli.Result Result);

    public TestContext TestContext { get; set; } = null!;

    private static ConsumerWorkspace Workspace => ConsumerWorkspace.Current;

    [ClassCleanup]
    public static void DeleteWorkspace() => ConsumerWorkspace.Delete();

    [TestMethod]
    public void Pack_TheSolution_MakesTwoPackagesWithMetadataBuildStepAndNoLibTorchBackend()
    {
        TestContext.WriteLine($"packed {Workspace.Version} in {Workspace.PackTime.TotalSeconds:F1} s");
        string[] packages = Directory.GetFiles(Workspace.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        CollectionAssert.AreEqual(
            new[] { "MnistPipeline", "MnistPipeline.Scoring" }
                .SelectMany(id => new[] { $"{id}.{Workspace.Version}.nupkg", $"{id}.{Workspace.Version}.snupkg" })
                .Order(StringComparer.Ordinal).ToArray(),
            packages, "only the two library projects are packable; each gets a symbols package");

        var trainer = ReadPackage("MnistPipeline");
        CollectionAssert.IsSubsetOf(
            new[]
            {
                "README.md", "lib/net10.0/MnistPipeline.dll", "lib/net10.0/MnistPipeline.xml",
                "buildTransitive/MnistPipeline.targets", "buildTransitive/WeakenElfVersionNeed.cs", "build/MnistPipeline.targets",
            },
            trainer.Files);
        string repository = TestWorker.RepositoryRoot();
        Assert.AreEqual(File.ReadAllText(Path.Combine(repository, "build", "LibTorchCompat.targets")), trainer.Text("buildTransitive/MnistPipeline.targets"),
            "the package carries the repository's own targets file: one copy of the logic");
        Assert.AreEqual(File.ReadAllText(Path.Combine(repository, "build", "WeakenElfVersionNeed.cs")), trainer.Text("buildTransitive/WeakenElfVersionNeed.cs"));
        StringAssert.Contains(trainer.Text("build/MnistPipeline.targets"), "$(MSBuildThisFileDirectory)../buildTransitive/MnistPipeline.targets");
        CollectionAssert.AreEquivalent(
            new[] { "MnistPipeline.Scoring", "Microsoft.ML", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntime.Managed", "System.IO.Hashing", "StbImageSharp", "TorchSharp" },
            trainer.Dependencies.Keys.ToArray(), "TorchSharp (never a libtorch backend: the app picks it) and StbImageSharp for MnistDigitImage");
        Assert.AreEqual($"[{Workspace.Version}]", trainer.Dependencies["MnistPipeline.Scoring"], "exactly the MnistPipeline.Scoring it was built with");

        var scoring = ReadPackage("MnistPipeline.Scoring");
        CollectionAssert.IsSubsetOf(new[] { "README.md", "lib/net10.0/MnistPipeline.Scoring.dll", "lib/net10.0/MnistPipeline.Scoring.xml" }, scoring.Files);
        Assert.IsFalse(scoring.Files.Any(f => f.StartsWith("build", StringComparison.Ordinal)), "scoring apps have no libtorch: no build step");
        CollectionAssert.AreEquivalent(
            new[] { "Microsoft.ML", "Microsoft.ML.OnnxTransformer", "Microsoft.ML.OnnxRuntime", "Microsoft.ML.OnnxRuntime.Managed", "System.IO.Hashing" },
            scoring.Dependencies.Keys.ToArray());

        foreach (var package in new[] { trainer, scoring })
        {
            Assert.AreEqual("MIT", package.Metadata("license"), package.Id);
            Assert.AreEqual("README.md", package.Metadata("readme"), package.Id);
            Assert.IsFalse(string.IsNullOrWhiteSpace(package.Metadata("description")), package.Id);
            StringAssert.Contains(package.Metadata("tags"), "ML.NET", package.Id);
            using var symbols = ZipFile.OpenRead(Workspace.Package(package.Id, "snupkg"));
            Assert.IsNotNull(symbols.GetEntry($"lib/net10.0/{package.Id}.pdb"), $"{package.Id}.snupkg holds the pdb");
        }
    }

    [TestMethod]
    public void TrainingApp_OutsideTheRepository_FitsSavesLoadsAndEvaluatesOnThisSystem()
    {
        string output = Path.GetDirectoryName(s_trainingAppDll.Value)!;
        AssertWeakExactlyWhereNeeded(SingleLibrary(output), "build output");

        var run = s_trainingRun.Value;
        TestContext.WriteLine(run.Result.ToString());
        Assert.IsGreaterThanOrEqualTo(0.95, run.Accuracy, "three well-separated blobs, evaluated by the model loaded in a new MLContext");
        Assert.HasCount(5, run.ProbeLines);

        string torchSharpVersion = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
        string cached = Path.Combine(ConsumerWorkspace.GlobalPackagesFolder, "torchsharp", torchSharpVersion, "runtimes", "linux-x64", "native", Library);
        Assert.AreEqual((ushort)0, ElfVersionNeed.ReadFlags(cached, LibStdCxxVersion), "the NuGet cache copy stays as packaged");
    }

    [TestMethod]
    public void ScoringApp_ModelSavedByTheTrainingApp_PredictsTheSameScoresWithoutTorchSharp()
    {
        var training = s_trainingRun.Value;
        string dll = s_scoringAppDll.Value;

        var run = ConsumerWorkspace.RunApp(dll, RunTimeout, training.ModelPath);
        TestContext.WriteLine(run.ToString());
        Assert.IsTrue(run.Succeeded, run.ToString());
        CollectionAssert.AreEqual(training.ProbeLines, ProbeLines(run.Output),
            "the same model file scores the same rows identically in a process without TorchSharp");

        string output = Path.GetDirectoryName(dll)!;
        AssertNoTorch(output);
        string deps = File.ReadAllText(Path.Combine(output, $"{ScoringApp}.deps.json"));
        Assert.IsFalse(deps.Contains("torch", StringComparison.OrdinalIgnoreCase), "no TorchSharp or libtorch package in the scoring app's dependency graph");
    }

    [TestMethod]
    public void PlainMlNetApp_ModelSavedByTheTrainingApp_CannotLoadItWithoutMnistPipelineScoring()
    {
        var training = s_trainingRun.Value;
        string dll = Build("PlainMlNetApp");

        var run = ConsumerWorkspace.RunApp(dll, RunTimeout, training.ModelPath);
        TestContext.WriteLine(run.ToString());
        Assert.AreEqual(1, run.ExitCode, "stock ML.NET alone must fail to load the model: " + run);
        StringAssert.Contains(run.Output, "System.IO.FileNotFoundException");
        StringAssert.Contains(run.Output, "'MnistPipeline.Scoring", "the saved chain's mapping lives in MnistPipeline.Scoring");
    }

    [TestMethod]
    public void Publish_BothApps_TrainingCopyPatchedAndScoringAppSmallWithoutLibTorch()
    {
        long training = Publish(TrainingApp, out string trainingFolder);
        long scoring = Publish(ScoringApp, out string scoringFolder);
        TestContext.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dotnet publish -r linux-x64 --self-contained false: {TrainingApp} {training:N0} bytes ({training / 1048576.0:F1} MiB), {ScoringApp} {scoring:N0} bytes ({scoring / 1048576.0:F1} MiB)"));

        AssertWeakExactlyWhereNeeded(SingleLibrary(trainingFolder), "publish output");
        AssertNoTorch(scoringFolder);
        Assert.IsLessThan(training / 5, scoring, "a scoring app carries no libtorch (measured: about 15x smaller)");
        DeleteOutput(trainingFolder, scoringFolder);
    }

    [TestMethod]
    public void TrainingApp_LibTorchCompatDisabled_OutputCopyStaysStrong()
    {
        string output = Path.Combine(Workspace.Root, "compat-disabled");
        var build = Workspace.Dotnet(TrainingApp, "build", "-c", "Release", "-p:LibTorchCompatEnabled=false", "-o", output);
        Assert.IsTrue(build.Succeeded, build.ToString());
        Assert.AreEqual((ushort)0, ElfVersionNeed.ReadFlags(SingleLibrary(output), LibStdCxxVersion),
            "with the switch off the output copy keeps the package's strong requirement");
        DeleteOutput(output);
    }

    [TestMethod]
    public void TransitiveApp_PackageOnlyThroughALibrary_OutputCopyIsPatched()
    {
        const string app = "TransitiveApp";
        var build = Workspace.Dotnet(app, "build", "-c", "Release");
        Assert.IsTrue(build.Succeeded, build.ToString());
        TestContext.WriteLine($"{app} built in {build.Elapsed.TotalSeconds:F1} s");
        string output = Path.Combine(Workspace.AppFolder(app), "bin", "Release", "net10.0");
        AssertWeakExactlyWhereNeeded(SingleLibrary(output),
            "output of an app that gets MnistPipeline only through another project (buildTransitive)");
        DeleteOutput(output);
    }

    private static string Build(string app)
    {
        var build = Workspace.Dotnet(app, "build", "-c", "Release");
        if (!build.Succeeded)
            throw new AssertFailedException($"Building {app} failed: {build}");
        return Path.Combine(Workspace.AppFolder(app), "bin", "Release", "net10.0", $"{app}.dll");
    }

    private static TrainingRun RunTrainingApp()
    {
        string model = Path.Combine(Workspace.Root, "model.zip");
        var run = ConsumerWorkspace.RunApp(s_trainingAppDll.Value, RunTimeout, model);
        if (!run.Succeeded)
            throw new AssertFailedException($"The training app failed: {run}");
        var accuracy = AccuracyLine().Match(run.Output);
        if (!accuracy.Success || !File.Exists(model))
            throw new AssertFailedException($"The training app printed no accuracy or saved no model: {run}");
        return new TrainingRun(model, double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture), ProbeLines(run.Output), run);
    }

    private long Publish(string app, out string folder)
    {
        folder = Path.Combine(Workspace.Root, "publish", app);
        var publish = Workspace.Dotnet(app, "publish", "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-o", folder);
        Assert.IsTrue(publish.Succeeded, publish.ToString());
        TestContext.WriteLine($"{app} published in {publish.Elapsed.TotalSeconds:F1} s");
        return Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
    }

    /// <summary>Frees an output folder once checked: each libtorch copy is about 600 MB, and the disk is shared.</summary>
    private static void DeleteOutput(params string[] folders)
    {
        foreach (string folder in folders)
            Directory.Delete(folder, recursive: true);
    }

    private static string[] ProbeLines(string output)
        => output.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("probe ", StringComparison.Ordinal)).ToArray();

    private static string SingleLibrary(string folder)
    {
        string[] found = Directory.GetFiles(folder, Library, SearchOption.AllDirectories);
        Assert.HasCount(1, found, $"one {Library} under {folder}");
        return found[0];
    }

    private static void AssertWeakExactlyWhereNeeded(string library, string where)
    {
        if (!OperatingSystem.IsLinux())
            Assert.Inconclusive("The compatibility step only runs on Linux.");
        ushort? flags = ElfVersionNeed.ReadFlags(library, LibStdCxxVersion);
        Assert.IsNotNull(flags, $"{library} is expected to require {LibStdCxxVersion}");
        bool weak = (flags.Value & ElfVersionNeed.WeakFlag) != 0;
        Assert.AreEqual(LibTorchCompatTests.SystemNeedsPatch(), weak,
            $"{where}: {library} weak={weak}; it must be weak exactly where the system libstdc++ lacks {LibStdCxxVersion}");
    }

    private static void AssertNoTorch(string folder)
    {
        string[] torch = Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(Path.GetFileName)
            .Where(name => name!.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("libLibTorchSharp", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase))
            .ToArray()!;
        Assert.IsEmpty(torch, $"{folder} holds {string.Join(", ", torch)}");
    }

    private static PackageContents ReadPackage(string id) => PackageContents.Read(id, Workspace.Package(id));

    [GeneratedRegex(@"^accuracy (\d+\.\d+)", RegexOptions.Multiline)]
    private static partial Regex AccuracyLine();

    /// <summary>The file list and nuspec of a .nupkg.</summary>
    private sealed record PackageContents(string Id, string[] Files, XElement Nuspec, Dictionary<string, string> Dependencies, Func<string, string> Text)
    {
        public static PackageContents Read(string id, string path)
        {
            using var archive = ZipFile.OpenRead(path);
            var bytes = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToDictionary(e => e.FullName, ReadAll);
            string Text(string name) => Encoding.UTF8.GetString(bytes[name]).TrimStart('\uFEFF');
            var nuspec = XElement.Parse(Text($"{id}.nuspec"));
            var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
                .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);
            return new PackageContents(id, [.. bytes.Keys], nuspec, dependencies, Text);
        }

        private static byte[] ReadAll(ZipArchiveEntry entry)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }

        public string Metadata(string name) => Nuspec.Descendants().First(e => e.Name.LocalName == name).Value;
    }
}
