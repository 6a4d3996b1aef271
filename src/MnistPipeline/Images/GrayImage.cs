namespace MnistPipeline.Images;

/// <summary>8-bit gray pixels, row-major, with their size.</summary>
internal readonly record struct GrayImage(byte[] Pixels, int Width, int Height)
{
    public byte this[int x, int y] => Pixels[(y * Width) + x];
}
