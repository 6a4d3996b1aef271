namespace MnistPipeline.Data;

/// <summary>Options of <see cref="MnistDataCatalog.LoadMnist(Microsoft.ML.DataOperationsCatalog, string, string, MnistLoaderOptions)"/>.</summary>
public sealed class MnistLoaderOptions
{
    /// <summary>Defaults shared by the option initializers and the short overload.</summary>
    public static class Defaults
    {
        /// <summary>Ten classes: the digits 0-9.</summary>
        public const int ClassCount = 10;

        /// <summary>The label column's name, as ML.NET trainers expect by default.</summary>
        public const string LabelColumnName = "Label";

        /// <summary>The image column's name.</summary>
        public const string ImageColumnName = "Image";
    }

    /// <summary>
    /// Number of classes; every label must be smaller. Default 10; valid range 1-256 (labels are bytes).
    /// The label column's key type has this many keys.
    /// </summary>
    public int ClassCount { get; set; } = Defaults.ClassCount;

    /// <summary>Name of the key-typed label column. Default "Label"; must not be empty.</summary>
    public string LabelColumnName { get; set; } = Defaults.LabelColumnName;

    /// <summary>Name of the byte-image column. Default "Image"; must not be empty or equal to the label column's name.</summary>
    public string ImageColumnName { get; set; } = Defaults.ImageColumnName;

    internal void Validate()
    {
        if (ClassCount is < 1 or > 256)
            throw new ArgumentOutOfRangeException(nameof(ClassCount), ClassCount, "ClassCount must be between 1 and 256: labels are single bytes.");
        if (string.IsNullOrEmpty(LabelColumnName))
            throw new ArgumentException("LabelColumnName must not be empty.", nameof(LabelColumnName));
        if (string.IsNullOrEmpty(ImageColumnName))
            throw new ArgumentException("ImageColumnName must not be empty.", nameof(ImageColumnName));
        if (LabelColumnName == ImageColumnName)
            throw new ArgumentException($"LabelColumnName and ImageColumnName must differ; both are '{LabelColumnName}'.", nameof(ImageColumnName));
    }
}
