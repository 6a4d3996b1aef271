using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Tests.TestSupport;

/// <summary>
/// Small, seeded grayscale images for the convolutional network's tests: a bright horizontal bar
/// ("h"), vertical bar ("v") or diagonal ("d") at a random place on a noisy background; three
/// classes that a convolution tells apart whatever the place. Labels are text turned into a key
/// by <c>MapValueToKey</c>, so key values are not class indices.
/// </summary>
internal static class BarImages
{
    public sealed class Row
    {
        public string Name { get; set; } = "";

        /// <summary>A binary label: the bar is horizontal.</summary>
        public bool IsHorizontal { get; set; }

        /// <summary>A regression label: the row (horizontal bar) or column (vertical) of the bar, or the diagonal's offset.</summary>
        public float Position { get; set; }

        [VectorType]
        public float[] Image { get; set; } = [];
    }

    /// <summary>Rows of <paramref name="channels"/> × <paramref name="size"/> × <paramref name="size"/> pixels (the bar is drawn in every channel, at channel-dependent brightness).</summary>
    public static Row[] Rows(int count, int size = 8, int seed = 1, int channels = 1, float noise = 0.2f)
    {
        var random = new Random(seed);
        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            int kind = i % 3;
            var image = new float[channels * size * size];
            for (int p = 0; p < image.Length; p++)
                image[p] = (float)random.NextDouble() * noise;
            int at = random.Next(1, size - 1);
            for (int c = 0; c < channels; c++)
            {
                float bright = 1f - 0.3f * c;
                for (int t = 0; t < size; t++)
                {
                    var (y, x) = kind switch
                    {
                        0 => (at, t),
                        1 => (t, at),
                        _ => (t, (t + at) % size),
                    };
                    image[(c * size + y) * size + x] = bright;
                }
            }
            rows[i] = new Row { Name = kind switch { 0 => "h", 1 => "v", _ => "d" }, IsHorizontal = kind == 0, Position = at, Image = image };
        }
        return rows;
    }

    /// <summary>
    /// An IDataView with "Label" (key over the names), "IsHorizontal" (Boolean), "Position" (Single) and the image in <paramref name="column"/>:
    /// <c>Vector&lt;Single, size, size&gt;</c> for one channel, <c>Vector&lt;Single, C, size, size&gt;</c>
    /// for more, or a flat <c>Vector&lt;Single, C·size²&gt;</c> when <paramref name="flat"/>.
    /// </summary>
    public static IDataView Load(MLContext ml, int count, int size = 8, int seed = 1, int channels = 1, bool flat = false,
        string column = "Features", float noise = 0.2f)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        var image = schema[nameof(Row.Image)];
        image.ColumnName = column;
        image.ColumnType = flat
            ? new VectorDataViewType(NumberDataViewType.Single, channels * size * size)
            : channels == 1
                ? new VectorDataViewType(NumberDataViewType.Single, size, size)
                : new VectorDataViewType(NumberDataViewType.Single, channels, size, size);
        var raw = ml.Data.LoadFromEnumerable(Rows(count, size, seed, channels, noise), schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(Row.Name)).Fit(raw).Transform(raw);
    }
}
