namespace MnistPipeline.Images;

/// <summary>
/// Separable resampling of a rectangle of a gray image: area averaging when shrinking (each target
/// pixel is the mean of the source area it covers, partial pixels weighted by their overlap),
/// bilinear interpolation between pixel centres when enlarging.
/// </summary>
internal static class Resampler
{
    public static float[] Resample(GrayImage image, int left, int top, int width, int height, int targetWidth, int targetHeight)
    {
        var columns = Weights(width, targetWidth);
        var rows = Weights(height, targetHeight);

        // Rows first: height x targetWidth, then columns: targetHeight x targetWidth.
        var horizontal = new float[height * targetWidth];
        for (int y = 0; y < height; y++)
        {
            int source = ((top + y) * image.Width) + left;
            for (int tx = 0; tx < targetWidth; tx++)
            {
                var (start, weights) = columns[tx];
                float sum = 0;
                for (int k = 0; k < weights.Length; k++)
                    sum += weights[k] * image.Pixels[source + start + k];
                horizontal[(y * targetWidth) + tx] = sum;
            }
        }

        var result = new float[targetHeight * targetWidth];
        for (int ty = 0; ty < targetHeight; ty++)
        {
            var (start, weights) = rows[ty];
            for (int tx = 0; tx < targetWidth; tx++)
            {
                float sum = 0;
                for (int k = 0; k < weights.Length; k++)
                    sum += weights[k] * horizontal[((start + k) * targetWidth) + tx];
                result[(ty * targetWidth) + tx] = sum;
            }
        }
        return result;
    }

    /// <summary>For each target index: the first source index and the weights of the consecutive source pixels, summing to 1.</summary>
    internal static (int Start, float[] Weights)[] Weights(int sourceLength, int targetLength)
        => targetLength <= sourceLength ? AreaWeights(sourceLength, targetLength) : LinearWeights(sourceLength, targetLength);

    private static (int Start, float[] Weights)[] AreaWeights(int sourceLength, int targetLength)
    {
        double step = (double)sourceLength / targetLength;
        var result = new (int, float[])[targetLength];
        for (int t = 0; t < targetLength; t++)
        {
            double from = t * step, to = Math.Min(sourceLength, (t + 1) * step);
            int first = (int)Math.Floor(from), last = Math.Min(sourceLength - 1, (int)Math.Ceiling(to) - 1);
            var weights = new float[last - first + 1];
            for (int s = first; s <= last; s++)
                weights[s - first] = (float)((Math.Min(to, s + 1) - Math.Max(from, s)) / step);
            result[t] = (first, weights);
        }
        return result;
    }

    private static (int Start, float[] Weights)[] LinearWeights(int sourceLength, int targetLength)
    {
        double step = (double)sourceLength / targetLength;
        var result = new (int, float[])[targetLength];
        for (int t = 0; t < targetLength; t++)
        {
            double centre = Math.Clamp(((t + 0.5) * step) - 0.5, 0, sourceLength - 1);
            int first = Math.Min((int)Math.Floor(centre), Math.Max(0, sourceLength - 2));
            if (sourceLength == 1)
            {
                result[t] = (0, [1f]);
                continue;
            }
            float fraction = (float)(centre - first);
            result[t] = (first, [1f - fraction, fraction]);
        }
        return result;
    }
}
