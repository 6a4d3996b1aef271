using Microsoft.ML;
using Microsoft.ML.Data;
using MnistPipeline.Scoring;

namespace MnistPipeline.Sample.Model;

/// <summary>
/// A saved digit classifier, loaded in its own <see cref="MLContext"/> and checked to be one:
/// input <c>Image</c> (784 bytes, 28 x 28), outputs <c>Score</c> (one probability per class)
/// and <c>PredictedLabel</c> (a key whose values name the classes).
/// </summary>
internal sealed class DigitModel : IDisposable
{
    public const string ImageColumn = "Image";
    public const string ScoreColumn = "Score";
    public const string PredictedLabelColumn = "PredictedLabel";
    public const int Side = 28;
    public const int PixelCount = Side * Side;

    private readonly MLContext _ml;

    private DigitModel(MLContext ml, ITransformer transformer, string path, string[] classNames)
    {
        _ml = ml;
        Transformer = transformer;
        Path = path;
        ClassNames = classNames;
    }

    public ITransformer Transformer { get; }

    public string Path { get; }

    /// <summary>Class index (0-based, the order of <c>Score</c>) to its label, e.g. "7".</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Loads and checks <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a readable ML.NET model, or a model that is not a 28 x 28 digit classifier.</exception>
    public static DigitModel Load(MLContext ml, string path)
    {
        var transformer = ml.Model.LoadChecked(path, out var inputSchema);
        try
        {
            string[] classNames = Check(path, transformer, inputSchema);
            return new DigitModel(ml, transformer, path, classNames);
        }
        catch
        {
            (transformer as IDisposable)?.Dispose();
            throw;
        }
    }

    /// <summary>Scores <paramref name="data"/> (which must have the <c>Image</c> column).</summary>
    public IDataView Score(IDataView data) => Transformer.Transform(data);

    /// <summary>
    /// Predicts each 784-pixel image (row-major, 0 = black background) one at a time with a
    /// <see cref="PredictionEngine{TSrc, TDst}"/>, the way a service scores single requests.
    /// </summary>
    public IReadOnlyList<DigitPrediction> Predict(IReadOnlyList<byte[]> images)
    {
        // The engine must not dispose the model it borrows (ML.NET's default would).
        using var engine = _ml.Model.CreatePredictionEngine<ImageRow, ScoredRow>(Transformer,
            new PredictionEngineOptions { OwnsTransformer = false });
        var result = new List<DigitPrediction>(images.Count);
        foreach (byte[] pixels in images)
        {
            var scored = engine.Predict(new ImageRow { Image = pixels });
            result.Add(DigitPrediction.From(scored.Score, scored.PredictedLabel, ClassNames));
        }
        return result;
    }

    public void Dispose() => (Transformer as IDisposable)?.Dispose();

    private static string[] Check(string path, ITransformer transformer, DataViewSchema inputSchema)
    {
        var image = inputSchema.GetColumnOrNull(ImageColumn);
        if (image is null || image.Value.Type is not VectorDataViewType { ItemType: var item, Size: PixelCount } || item != NumberDataViewType.Byte)
        {
            string found = image is null ? "no such column" : $"'{ImageColumn}' is {image.Value.Type}";
            throw Foreign(path, $"it needs an '{ImageColumn}' input of 28 x 28 bytes ({found}; its inputs: {Columns(inputSchema)})");
        }

        DataViewSchema output;
        try
        {
            output = transformer.GetOutputSchema(inputSchema);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw Foreign(path, $"it cannot describe its output ({e.Message})");
        }

        var score = output.GetColumnOrNull(ScoreColumn);
        if (score?.Type is not VectorDataViewType { ItemType: var scoreItem, IsKnownSize: true } scoreType || scoreItem != NumberDataViewType.Single)
            throw Foreign(path, $"it has no '{ScoreColumn}' output of class probabilities (its outputs: {Columns(output)})");
        var predicted = output.GetColumnOrNull(PredictedLabelColumn);
        if (predicted?.Type is not KeyDataViewType key || (int)key.Count != scoreType.Size)
            throw Foreign(path, $"it has no '{PredictedLabelColumn}' key output with one value per score (its outputs: {Columns(output)})");
        return ClassNamesOf(predicted.Value, scoreType.Size);
    }

    /// <summary>The key values of the predicted label as text (MNIST: "0".."9"); else "0".."k-1".</summary>
    internal static string[] ClassNamesOf(DataViewSchema.Column predicted, int count)
    {
        var keyValues = predicted.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (keyValues?.Type is VectorDataViewType { ItemType: var type } && type == NumberDataViewType.UInt32)
        {
            var values = default(VBuffer<uint>);
            predicted.GetKeyValues(ref values);
            if (values.Length == count)
                return values.DenseValues().Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        if (keyValues?.Type is VectorDataViewType { ItemType: TextDataViewType })
        {
            var values = default(VBuffer<ReadOnlyMemory<char>>);
            predicted.GetKeyValues(ref values);
            if (values.Length == count)
                return values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        return Enumerable.Range(0, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    private static InvalidDataException Foreign(string path, string why)
        => new($"Model file '{path}' is an ML.NET model but not a 28 x 28 digit classifier: {why}.");

    private static string Columns(DataViewSchema schema)
        => schema.Count == 0 ? "none" : string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})"));

    private sealed class ImageRow
    {
        [VectorType(Side, Side)]
        public byte[] Image { get; set; } = [];
    }

    private sealed class ScoredRow
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }
}
