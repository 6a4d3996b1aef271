using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// Small, seeded, well-separated Gaussian blobs: one class per blob. Labels are text ("c0",
/// "c1", …) turned into a key by <c>MapValueToKey</c>, so key values are not class indices.
/// </summary>
internal static class Blobs
{
    public sealed class Row
    {
        public string Name { get; set; } = "";

        [VectorType]
        public float[] Features { get; set; } = [];
    }

    public static Row[] Rows(int count, int features, int classes, int seed, float spread = 0.3f)
    {
        var random = new Random(seed);
        var centers = Enumerable.Range(0, classes)
            .Select(_ => Enumerable.Range(0, features).Select(_ => (float)random.NextDouble()).ToArray())
            .ToArray();
        // Push the centers apart so that the classes are separable but not trivially so.
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % classes;
            var x = new float[features];
            for (int j = 0; j < features; j++)
                x[j] = centers[c][j] * 3 + (float)(Gaussian(random) * spread);
            rows[i] = new Row { Name = $"c{c}", Features = x };
        }
        return rows;
    }

    /// <summary>An IDataView with "Label" (key over the text names, order of first appearance) and "Features" (Vector&lt;Single, features&gt;).</summary>
    public static IDataView Load(MLContext ml, int count, int features = 5, int classes = 3, int seed = 1, float spread = 0.3f)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        var raw = ml.Data.LoadFromEnumerable(Rows(count, features, classes, seed, spread), schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Name)).Fit(raw).Transform(raw);
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
