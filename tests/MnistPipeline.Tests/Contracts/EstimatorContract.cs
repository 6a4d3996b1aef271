using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Tests.Contracts;

/// <summary>
/// The contract every estimator of the project must keep, after ML.NET's own TestEstimatorCore:
/// the schema promised by GetOutputSchema is the schema delivered by the fitted transformer; the
/// transformer saves with <c>Model.Save</c>, loads in a fresh <see cref="MLContext"/> without any
/// registration, and gives the same values; and an input with a wrong column fails with
/// <see cref="ArgumentOutOfRangeException"/> or <see cref="InvalidOperationException"/> naming it.
/// </summary>
internal static class EstimatorContract
{
    /// <summary>Checks the whole contract and returns the fitted transformer for further checks.</summary>
    /// <param name="ml">The context the estimator was made with.</param>
    /// <param name="estimator">The estimator under test.</param>
    /// <param name="validInput">Data it must accept (a few dozen rows are enough).</param>
    /// <param name="invalidInput">Data it must reject: a needed column missing or of a wrong type.</param>
    /// <param name="rowsToCompare">How many rows to compare between the fitted and the reloaded transformer.</param>
    /// <param name="invalidColumn">The column the rejection must name; by default, the columns whose type differs or that are missing from <paramref name="invalidInput"/>.</param>
    /// <param name="labelColumn">
    /// For trainers: the label column, which the estimator needs and the fitted transformer does
    /// not. Data without it must be rejected by the estimator (naming it) and scored by the fitted
    /// and the reloaded transformer.
    /// </param>
    /// <param name="invalidScoringInput">
    /// Data the fitted and the reloaded transformer must reject (naming <paramref name="scoringColumn"/>).
    /// The transforms of this project fit to chains of stock ML.NET transformers, whose own checks
    /// are ML.NET's; the trainers' transformers check their input themselves.
    /// </param>
    /// <param name="scoringColumn">The column the transformers' rejection must name.</param>
    public static TTransformer Check<TTransformer>(MLContext ml, IEstimator<TTransformer> estimator,
        IDataView validInput, IDataView invalidInput, int rowsToCompare = 50, string? invalidColumn = null,
        string? labelColumn = null, IDataView? invalidScoringInput = null, string? scoringColumn = null)
        where TTransformer : class, ITransformer
    {
        var promised = estimator.GetOutputSchema(ShapeOf(validInput.Schema));
        var transformer = estimator.Fit(validInput);
        var output = transformer.Transform(validInput);
        AssertSameShape(promised, ShapeOf(output.Schema), "GetOutputSchema promised a schema that the fitted transformer does not deliver");
        AssertSameSchema(transformer.GetOutputSchema(validInput.Schema), output.Schema, "transformer.GetOutputSchema differs from Transform(...).Schema");
        AssertSameSchema(output.Schema, transformer.GetRowToRowMapper(validInput.Schema).OutputSchema, "GetRowToRowMapper's output schema differs from Transform(...).Schema");

        using var saved = new MemoryStream();
        ml.Model.Save(transformer, validInput.Schema, saved);
        saved.Position = 0;
        var fresh = new MLContext(seed: 1);
        var loaded = fresh.Model.Load(saved, out var savedInputSchema);
        AssertSameSchema(validInput.Schema, savedInputSchema, "the saved input schema differs from the input");
        var reloadedOutput = loaded.Transform(validInput);
        AssertSameSchema(output.Schema, reloadedOutput.Schema, "the reloaded transformer delivers another schema");
        AssertSameValues(output, reloadedOutput, rowsToCompare);

        string[] namedColumns = invalidColumn is not null ? [invalidColumn] : ChangedColumns(validInput.Schema, invalidInput.Schema);
        Assert.IsNotEmpty(namedColumns, "invalidInput must differ from validInput in at least one column");
        AssertRejects(() => estimator.GetOutputSchema(ShapeOf(invalidInput.Schema)), namedColumns, "GetOutputSchema");
        AssertRejects(() => estimator.Fit(invalidInput), namedColumns, "Fit");

        if (labelColumn is not null)
        {
            var withoutLabel = ml.Transforms.DropColumns(labelColumn).Fit(validInput).Transform(validInput);
            AssertRejects(() => estimator.GetOutputSchema(ShapeOf(withoutLabel.Schema)), [labelColumn], "GetOutputSchema without the label");
            AssertRejects(() => estimator.Fit(withoutLabel), [labelColumn], "Fit without the label");
            var scored = transformer.Transform(withoutLabel);
            var reloadedScored = loaded.Transform(withoutLabel);
            var outputs = output.Schema.Where(c => !c.IsHidden && validInput.Schema.GetColumnOrNull(c.Name) is null).Select(c => c.Name).ToArray();
            Assert.IsNotEmpty(outputs, "the transformer adds columns");
            AssertSameValues(Select(ml, output, outputs), Select(ml, scored, outputs), rowsToCompare);
            AssertSameValues(Select(ml, output, outputs), Select(ml, reloadedScored, outputs), rowsToCompare);
        }

        if (invalidScoringInput is not null)
        {
            string[] scoringColumns = scoringColumn is not null ? [scoringColumn] : namedColumns;
            AssertRejects(() => Drain(transformer.Transform(invalidScoringInput)), scoringColumns, "the fitted transformer");
            AssertRejects(() => Drain(loaded.Transform(invalidScoringInput)), scoringColumns, "the reloaded transformer");
        }
        (loaded as IDisposable)?.Dispose();
        return transformer;
    }

    private static IDataView Select(MLContext ml, IDataView data, string[] columns)
        => ml.Transforms.SelectColumns(columns).Fit(data).Transform(data);

    /// <summary>Reads every row of every column, so that a transformer that checks lazily fails here too.</summary>
    private static void Drain(IDataView data)
    {
        var columns = data.Schema.Where(c => !c.IsHidden).ToList();
        ReadRows(data, columns.Select(c => c.Name), int.MaxValue);
    }

    /// <summary>
    /// SchemaShape.Create is internal to ML.NET (its own tests reach it as a friend assembly); the
    /// contract needs the very shape an EstimatorChain would pass, so it is called by reflection.
    /// </summary>
    public static SchemaShape ShapeOf(DataViewSchema schema)
    {
        var create = typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])
            ?? throw new InvalidOperationException("ML.NET no longer has SchemaShape.Create(DataViewSchema); update EstimatorContract.");
        return (SchemaShape)create.Invoke(null, [schema])!;
    }

    public static void AssertSameShape(SchemaShape expected, SchemaShape actual, string because)
    {
        var expectedColumns = expected.ToDictionary(c => c.Name);
        var actualColumns = actual.ToDictionary(c => c.Name);
        CollectionAssert.AreEquivalent(expectedColumns.Keys.ToList(), actualColumns.Keys.ToList(), $"{because}: column names");
        foreach (var (name, e) in expectedColumns)
        {
            var a = actualColumns[name];
            Assert.AreEqual(e.Kind, a.Kind, $"{because}: kind of column '{name}'");
            Assert.AreEqual(e.ItemType, a.ItemType, $"{because}: item type of column '{name}'");
            Assert.AreEqual(e.IsKey, a.IsKey, $"{because}: key-ness of column '{name}'");
            CollectionAssert.AreEquivalent(
                e.Annotations.Select(m => $"{m.Name}:{m.Kind}:{m.ItemType}").ToList(),
                a.Annotations.Select(m => $"{m.Name}:{m.Kind}:{m.ItemType}").ToList(),
                $"{because}: annotations of column '{name}'");
        }
    }

    public static void AssertSameSchema(DataViewSchema expected, DataViewSchema actual, string because)
    {
        Assert.HasCount(expected.Count, actual, $"{because}: column count");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].Name, actual[i].Name, $"{because}: name of column {i}");
            Assert.AreEqual(expected[i].IsHidden, actual[i].IsHidden, $"{because}: hidden-ness of column '{expected[i].Name}'");
            Assert.AreEqual(expected[i].Type, actual[i].Type, $"{because}: type of column '{expected[i].Name}'");
            CollectionAssert.AreEqual(
                expected[i].Annotations.Schema.Select(a => $"{a.Name}:{a.Type}").ToList(),
                actual[i].Annotations.Schema.Select(a => $"{a.Name}:{a.Type}").ToList(),
                $"{because}: annotations of column '{expected[i].Name}'");
        }
    }

    /// <summary>Compares every visible column of the first <paramref name="rows"/> rows, value by value.</summary>
    public static void AssertSameValues(IDataView expected, IDataView actual, int rows)
    {
        var columns = expected.Schema.Where(c => !c.IsHidden).ToList();
        var expectedRows = ReadRows(expected, columns.Select(c => c.Name), rows);
        var actualRows = ReadRows(actual, columns.Select(c => c.Name), rows);
        Assert.HasCount(expectedRows.Count, actualRows, "row count");
        for (int r = 0; r < expectedRows.Count; r++)
        {
            for (int c = 0; c < columns.Count; c++)
                CollectionAssert.AreEqual(expectedRows[r][c], actualRows[r][c], $"row {r}, column '{columns[c].Name}'");
        }
    }

    /// <summary>Reads the named visible columns of the first rows, each value as a flat list (dense for vectors).</summary>
    public static List<List<object?>[]> ReadRows(IDataView data, IEnumerable<string> columnNames, int rows)
    {
        var columns = columnNames.Select(n => data.Schema[n]).ToArray();
        var result = new List<List<object?>[]>();
        using var cursor = data.GetRowCursor(columns);
        var readers = columns.Select(c => MakeReader(cursor, c)).ToArray();
        while (result.Count < rows && cursor.MoveNext())
            result.Add(readers.Select(read => read()).ToArray());
        return result;
    }

    private static Func<List<object?>> MakeReader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var method = typeof(EstimatorContract).GetMethod(nameof(MakeTypedReader), BindingFlags.NonPublic | BindingFlags.Static)!;
        var rawType = column.Type.RawType;
        bool isVector = rawType.IsGenericType && rawType.GetGenericTypeDefinition() == typeof(VBuffer<>);
        var itemType = isVector ? rawType.GetGenericArguments()[0] : rawType;
        return (Func<List<object?>>)method.MakeGenericMethod(itemType).Invoke(null, [cursor, column, isVector])!;
    }

    private static Func<List<object?>> MakeTypedReader<T>(DataViewRowCursor cursor, DataViewSchema.Column column, bool isVector)
    {
        // Text compares by content, not by the memory it points into.
        static object? Box(T value) => value is ReadOnlyMemory<char> text ? text.ToString() : value;
        if (isVector)
        {
            var getter = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> buffer = default;
            return () =>
            {
                getter(ref buffer);
                return buffer.DenseValues().Select(Box).ToList();
            };
        }
        var scalarGetter = cursor.GetGetter<T>(column);
        T scalar = default!;
        return () =>
        {
            scalarGetter(ref scalar);
            return [Box(scalar)];
        };
    }

    private static string[] ChangedColumns(DataViewSchema valid, DataViewSchema invalid)
        => valid.Where(c => !c.IsHidden)
            .Where(c => invalid.GetColumnOrNull(c.Name) is not { } other || !other.Type.Equals(c.Type))
            .Select(c => c.Name)
            .ToArray();

    private static void AssertRejects(Action action, string[] columns, string what)
    {
        Exception? caught = null;
        try
        {
            action();
        }
        catch (Exception e)
        {
            caught = e;
        }
        Assert.IsNotNull(caught, $"{what} accepted an input with a wrong column ({string.Join(", ", columns)})");
        Assert.IsTrue(caught is ArgumentOutOfRangeException or InvalidOperationException,
            $"{what} threw {caught.GetType().Name}, expected ArgumentOutOfRangeException or InvalidOperationException: {caught.Message}");
        Assert.IsTrue(columns.Any(c => caught.Message.Contains($"'{c}'", StringComparison.Ordinal)),
            $"{what}'s message does not name the column ({string.Join(" or ", columns)}): {caught.Message}");
    }
}
