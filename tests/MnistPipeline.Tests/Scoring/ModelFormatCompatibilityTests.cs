using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;

namespace MnistPipeline.Tests.Scoring;

/// <summary>
/// Models saved by earlier format versions keep loading and scoring as they did. Each fixture
/// was saved by the commit that wrote that format; its .txt holds, per row, the features, the
/// scores and the predicted key that commit computed.
/// </summary>
[TestClass]
public sealed class ModelFormatCompatibilityTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Scoring", "Fixtures", name);

    [TestMethod]
    public void Load_Format1Model_ScoresAsWhenSaved()
    {
        var ml = new MLContext(seed: 1);
        var expected = File.ReadAllLines(Fixture("mlp-format1.txt")).Select(ParseRow).ToArray();

        using var model = (IDisposable)ml.Model.LoadChecked(Fixture("mlp-format1.zip"), out var schema);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), schema["Features"].Type);
        var rows = ml.Data.LoadFromEnumerable(expected.Select(e => new Row { Species = "setosa", Features = e.Features }));
        var scored = ((ITransformer)model).Transform(rows);
        var scores = scored.GetColumn<float[]>("Score").ToArray();
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();

        for (int i = 0; i < expected.Length; i++)
        {
            for (int c = 0; c < 3; c++)
                Assert.AreEqual(expected[i].Scores[c], scores[i][c], 1e-6f, $"row {i}, class {c}");
            Assert.AreEqual(expected[i].Predicted, predicted[i], $"row {i}");
        }
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "setosa", "versicolor", "virginica" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
    }

    private static (float[] Features, float[] Scores, uint Predicted) ParseRow(string line)
    {
        var parts = line.Split('|');
        static float[] Floats(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (Floats(parts[0]), Floats(parts[1]), uint.Parse(parts[2].Trim(), CultureInfo.InvariantCulture));
    }

    private sealed class Row
    {
        public string Species { get; set; } = "";

        [VectorType(4)]
        public float[] Features { get; set; } = [];
    }
}
