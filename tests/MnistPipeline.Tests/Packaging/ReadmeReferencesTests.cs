using System.Text.RegularExpressions;
using System.Xml.Linq;
using MnistPipeline.Tests.TestSupport;

namespace MnistPipeline.Tests.Packaging;

/// <summary>
/// What the README tells an app to reference, to train and to score, is what the consumer tests'
/// apps reference (<see cref="ConsumerAppTests"/> proves those apps work), in the version this
/// repository packs. The package readmes say the same. Fast: reads files only.
/// </summary>
[TestClass]
public sealed partial class ReadmeReferencesTests
{
    private static string Repository => TestWorker.RepositoryRoot();

    [TestMethod]
    public void Readme_ToTrain_NamesTheTrainingAppsReferences()
        => AssertSameReferences(ReadmeBlock("**To train**"), AppReferences("TrainingApp"));

    [TestMethod]
    public void Readme_ToScore_NamesTheScoringAppsReferences()
    {
        var readme = ReadmeBlock("**To score**");
        AssertSameReferences(readme, AppReferences("ScoringApp"));
        CollectionAssert.AreEqual(new[] { "MnistPipeline.Scoring" }, readme.Keys.ToArray(), "scoring needs one package");
    }

    [TestMethod]
    public void PackageReadmes_References_AreTheReadmes()
    {
        CollectionAssert.AreEquivalent(ReadmeBlock("**To train**").ToArray(),
            References(File.ReadAllText(Path.Combine(Repository, "src", "MnistPipeline", "README.md"))).ToArray());
        CollectionAssert.AreEquivalent(ReadmeBlock("**To score**").ToArray(),
            References(File.ReadAllText(Path.Combine(Repository, "src", "MnistPipeline.Scoring", "README.md"))).ToArray());
    }

    /// <summary>The README's packages with their versions; ours must be the version this repository packs.</summary>
    private static void AssertSameReferences(Dictionary<string, string> readme, Dictionary<string, string> app)
    {
        CollectionAssert.AreEquivalent(app.Keys.ToArray(), readme.Keys.ToArray(), "the README names exactly the app's package references");
        string version = VersionPrefix();
        foreach (var (id, appVersion) in app)
        {
            string expected = appVersion == "$(MnistPipelineVersion)" ? version : appVersion;
            Assert.AreEqual(expected, readme[id], $"README's version of {id}");
        }
    }

    /// <summary>The package references of the first xml block after <paramref name="lead"/> in the README's "Use it in your app".</summary>
    private static Dictionary<string, string> ReadmeBlock(string lead)
    {
        string readme = File.ReadAllText(Path.Combine(Repository, "README.md"));
        int section = readme.IndexOf("\n## Use it in your app", StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, section, "README has a 'Use it in your app' section");
        int start = readme.IndexOf("\n" + lead, section, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"the section has a paragraph starting {lead}");
        var block = XmlBlock().Match(readme, start);
        Assert.IsTrue(block.Success, $"an xml block follows {lead}");
        return References(block.Groups[1].Value);
    }

    private static Dictionary<string, string> References(string text)
        => PackageReference().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private static Dictionary<string, string> AppReferences(string app)
    {
        var project = XDocument.Load(Path.Combine(Repository, "tests", "MnistPipeline.Tests", "Packaging", "ConsumerApps", app, $"{app}.csproj"));
        return project.Descendants("PackageReference").ToDictionary(e => e.Attribute("Include")!.Value, e => e.Attribute("Version")!.Value);
    }

    private static string VersionPrefix()
        => XDocument.Load(Path.Combine(Repository, "Directory.Build.props")).Descendants("VersionPrefix").Single().Value;

    [GeneratedRegex(@"```xml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex XmlBlock();

    [GeneratedRegex(@"<PackageReference Include=""([^""]+)"" Version=""([^""]+)"" />")]
    private static partial Regex PackageReference();
}
