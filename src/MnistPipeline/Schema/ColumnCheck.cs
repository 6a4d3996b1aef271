using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Schema;

/// <summary>
/// The column checks of every estimator and transformer of the library, in one place and one
/// wording, like ML.NET's own: <c>Schema mismatch for {role} column 'X'[ in the {where}]: expected …, got ….</c>
/// thrown as <see cref="ArgumentOutOfRangeException"/> (as ML.NET does), so callers handle ours
/// and theirs alike.
/// </summary>
internal static class ColumnCheck
{
    public const string KnownSizeSingleVector = "a known-size vector of Single (e.g. Vector<Single, 784>)";

    public static ArgumentOutOfRangeException Mismatch(string paramName, string column, string expected, string found,
        string role = "input", string? where = null, string? hint = null)
    {
        string place = where is null ? "" : $" in the {where}";
        string advice = hint is null ? "" : $" {hint}";
        return new(paramName, $"Schema mismatch for {role} column '{column}'{place}: expected {expected}, got {found}.{advice}");
    }

    /// <summary>Finds a column of a schema shape by name, or throws naming the column and the expected type.</summary>
    public static SchemaShape.Column Find(SchemaShape inputSchema, string column, string expected, string role = "input")
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // A shape lists only visible columns, so a name occurs at most once.
        foreach (var candidate in inputSchema)
        {
            if (candidate.Name == column)
                return candidate;
        }
        throw Mismatch(nameof(inputSchema), column, expected, NoSuchColumn(inputSchema.Select(c => c.Name)), role);
    }

    /// <summary>Finds a column of a data view's schema by name, or throws naming the column and the expected type.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string column, string expected, string role = "input", string? where = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.GetColumnOrNull(column)
            ?? throw Mismatch(nameof(schema), column, expected, NoSuchColumn(schema.Where(c => !c.IsHidden).Select(c => c.Name)), role, where);
    }

    /// <summary>Finds a column of a data view by name, or throws naming the column and the expected type.</summary>
    public static DataViewSchema.Column Find(IDataView input, string column, string expected)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Find(input.Schema, column, expected);
    }

    /// <summary>The feature column of a network: a known-size vector of Single; returns its size.</summary>
    public static int FeatureVector(DataViewSchema schema, string column, string? where = null)
    {
        var found = Find(schema, column, KnownSizeSingleVector, "feature", where);
        if (found.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } vector || item != NumberDataViewType.Single)
            throw Mismatch(nameof(schema), column, KnownSizeSingleVector, Describe(found.Type), "feature", where);
        return vector.Size;
    }

    /// <summary>The feature column of a network in a schema shape: a vector of Single.</summary>
    public static void FeatureVector(SchemaShape shape, string column)
    {
        var found = Find(shape, column, KnownSizeSingleVector, "feature");
        if (found.Kind != SchemaShape.Column.VectorKind.Vector || found.ItemType != NumberDataViewType.Single || found.IsKey)
            throw Mismatch(nameof(shape), column, KnownSizeSingleVector, Describe(found), "feature");
    }

    /// <summary>A scalar label column of the given kind in a schema shape.</summary>
    public static SchemaShape.Column Label(SchemaShape shape, string column, LabelKind kind)
    {
        var found = Find(shape, column, Expected(kind), "label");
        bool ok = found.Kind == SchemaShape.Column.VectorKind.Scalar && kind switch
        {
            LabelKind.Key => found.IsKey,
            LabelKind.Boolean => !found.IsKey && found.ItemType == BooleanDataViewType.Instance,
            _ => !found.IsKey && found.ItemType == NumberDataViewType.Single,
        };
        if (!ok)
            throw Mismatch(nameof(shape), column, Expected(kind), Describe(found), "label", hint: Hint(kind, column));
        return found;
    }

    /// <summary>A scalar label column of the given kind; returns it (for a key, also checks 2 or more classes).</summary>
    public static DataViewSchema.Column Label(DataViewSchema schema, string column, LabelKind kind, string? where = null)
    {
        var found = Find(schema, column, Expected(kind), "label", where);
        bool ok = kind switch
        {
            LabelKind.Key => found.Type is KeyDataViewType,
            LabelKind.Boolean => found.Type == BooleanDataViewType.Instance,
            _ => found.Type == NumberDataViewType.Single,
        };
        if (!ok)
            throw Mismatch(nameof(schema), column, Expected(kind), Describe(found.Type), "label", where, Hint(kind, column));
        if (found.Type is KeyDataViewType key && (key.Count < 2 || key.Count > int.MaxValue))
            throw Mismatch(nameof(schema), column, "a key type of 2 or more classes", $"a key type of count {key.Count}", "label", where);
        return found;
    }

    /// <summary>How a schema-shape column reads in a message, e.g. <c>Vector&lt;Byte&gt;</c> or <c>Key&lt;UInt32&gt;</c>.</summary>
    public static string Describe(SchemaShape.Column column)
    {
        string item = column.IsKey ? $"Key<{column.ItemType.RawType.Name}>" : $"{column.ItemType}";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => item,
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            _ => $"Vector<{item}> of unknown size",
        };
    }

    /// <summary>How a data-view column reads in a message; vectors of unknown size say so.</summary>
    public static string Describe(DataViewType type)
        => type is VectorDataViewType { IsKnownSize: false } vector ? $"{vector} of unknown size" : $"{type}";

    private static string NoSuchColumn(IEnumerable<string> columns) => $"no column of that name (columns: {string.Join(", ", columns)})";

    private static string Expected(LabelKind kind) => kind switch
    {
        LabelKind.Key => "Key",
        LabelKind.Boolean => "Boolean",
        _ => "Single",
    };

    private static string Hint(LabelKind kind, string column) => kind switch
    {
        LabelKind.Key => $"Convert the label first: mlContext.Transforms.Conversion.MapValueToKey(\"{column}\").",
        LabelKind.Boolean => $"Binary classification needs a Boolean label: convert it first, e.g. mlContext.Transforms.Conversion.ConvertType(\"{column}\", outputKind: DataKind.Boolean) or a CustomMapping.",
        _ => $"Regression needs a Single label: convert it first: mlContext.Transforms.Conversion.ConvertType(\"{column}\", outputKind: DataKind.Single).",
    };
}

/// <summary>The label types of ML.NET's three supervised tasks.</summary>
internal enum LabelKind
{
    /// <summary>Multiclass: a key type, one key per class.</summary>
    Key,

    /// <summary>Binary classification: Boolean.</summary>
    Boolean,

    /// <summary>Regression: Single.</summary>
    Single,
}
