namespace MnistPipeline.Data;

/// <summary>The four MNIST files, verified, as full paths (each plain or gzip-compressed IDX).</summary>
/// <param name="TrainImages">60,000 training images (<c>train-images-idx3-ubyte</c>).</param>
/// <param name="TrainLabels">60,000 training labels (<c>train-labels-idx1-ubyte</c>).</param>
/// <param name="TestImages">10,000 test images (<c>t10k-images-idx3-ubyte</c>).</param>
/// <param name="TestLabels">10,000 test labels (<c>t10k-labels-idx1-ubyte</c>).</param>
public sealed record MnistFileSet(string TrainImages, string TrainLabels, string TestImages, string TestLabels);
