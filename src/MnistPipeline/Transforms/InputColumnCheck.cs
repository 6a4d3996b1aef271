using Microsoft.ML;
using Microsoft.ML.Data;

namespace MnistPipeline.Transforms;

/// <summary>
/// Input-column checks shared by the estimators, worded like ML.NET's own ("Schema mismatch for
/// input column 'X': expected …, got …") and thrown as <see cref="ArgumentOutOfRangeException"/>
/// like ML.NET's, so callers handle ours and theirs alike.
/// </summary>
internal static class InputColumnCheck
{
    public static ArgumentOutOfRangeException Mismatch(string paramName, string column, string expected, string found)
        => new(paramName, $"Schema mismatch for input column '{column}': expected {expected}, got {found}.");

    /// <summary>Finds a column of a schema shape by name, or throws naming the column and the expected type.</summary>
    public static SchemaShape.Column Find(SchemaShape inputSchema, string column, string expected)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        // A shape lists only visible columns, so a name occurs at most once.
        foreach (var candidate in inputSchema)
        {
            if (candidate.Name == column)
                return candidate;
        }
        throw Mismatch(nameof(inputSchema), column, expected, "no column of that name");
    }

    /// <summary>Finds a column of a data view's schema by name, or throws naming the column and the expected type.</summary>
    public static DataViewSchema.Column Find(IDataView input, string column, string expected)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Schema.GetColumnOrNull(column)
            ?? throw Mismatch(nameof(input), column, expected, "no column of that name");
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
}
