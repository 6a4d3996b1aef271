using StbImageSharp;

namespace MnistPipeline.Images;

/// <summary>PNG or JPEG bytes to 8-bit gray, with transparency resolved, after checking the declared size.</summary>
internal static class DigitImageDecoder
{
    private const string Expected = "a PNG or JPEG image";

    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF];

    public static GrayImage Decode(byte[] encoded, string sourceName, long maxPixelCount)
    {
        string format = encoded.AsSpan().StartsWith(PngSignature) ? "PNG"
            : encoded.AsSpan().StartsWith(JpegSignature) ? "JPEG"
            : throw MnistDigitImage.Bad(sourceName, "format", Expected, Describe(encoded));

        // StbImageSharp 2.30.16 loops forever on a segment or chunk whose length runs past the end
        // of the data (e.g. FF D8 FF E0 20 63 75 74: a JPEG APP0 "8,291 bytes" long in 8 bytes), in
        // ImageInfo and in decoding alike. Walk the structure first, so such data never reaches it.
        if (format == "PNG")
            CheckPngChunks(encoded, sourceName);
        else
            CheckJpegSegments(encoded, sourceName);

        // The header first: a few hundred bytes of PNG can declare gigapixels.
        ImageInfo? info;
        try
        {
            using var header = new MemoryStream(encoded, writable: false);
            info = ImageInfo.FromStream(header);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            info = null;
        }
        if (info is not { Width: > 0, Height: > 0 } size)
            throw MnistDigitImage.Bad(sourceName, $"{format} header", $"{Expected} with a readable size", "a damaged header");
        if ((long)size.Width * size.Height > maxPixelCount)
            throw TooLarge(sourceName, size.Width, size.Height, maxPixelCount);

        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(encoded, ColorComponents.GreyAlpha);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw MnistDigitImage.Bad(sourceName, $"{format} data", $"{Expected} that decodes", $"an error ({FirstLine(e.Message)})");
        }
        if (image.Data is null || image.Data.Length < 2L * image.Width * image.Height)
            throw MnistDigitImage.Bad(sourceName, $"{format} data", $"{Expected} that decodes", "too few pixels");
        return ToGray(image.Data, image.Width, image.Height);
    }

    /// <summary>
    /// Signature, then chunks of (length, type, data, CRC) up to IEND, each inside the data; IHDR first.
    /// A file cut before IEND is refused: PNG's image data is only complete with all its chunks.
    /// </summary>
    private static void CheckPngChunks(byte[] data, string sourceName)
    {
        long at = 8;
        bool first = true;
        while (true)
        {
            if (at + 8 > data.Length)
                throw CutShort(sourceName, "PNG", at, data.Length, "a chunk header");
            uint length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)at));
            string type = System.Text.Encoding.ASCII.GetString(data, (int)at + 4, 4);
            if (first && type != "IHDR")
                throw MnistDigitImage.Bad(sourceName, "PNG chunk 1", "IHDR", $"'{type}'");
            first = false;
            long end = at + 12 + length;
            if (length > int.MaxValue || end > data.Length)
                throw CutShort(sourceName, "PNG", at, data.Length, $"chunk '{type}' of {length:N0} bytes");
            if (type == "IEND")
                return;
            at = end;
        }
    }

    /// <summary>
    /// SOI, then marker segments whose lengths stay inside the data, up to the start of the scan
    /// (SOS), with a frame header (SOFn) before it. Scan data cut short is left to the decoder,
    /// which decodes what is there, as browsers do.
    /// </summary>
    private static void CheckJpegSegments(byte[] data, string sourceName)
    {
        int at = 2;
        bool frame = false;
        while (true)
        {
            if (at + 2 > data.Length)
                throw CutShort(sourceName, "JPEG", at, data.Length, "a marker");
            if (data[at] != 0xFF)
                throw MnistDigitImage.Bad(sourceName, $"JPEG byte {at:N0}", "a marker (FF)", $"{data[at]:X2}");
            byte marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                at += 2; // no length
                continue;
            }
            if (marker == 0xD9)
                throw MnistDigitImage.Bad(sourceName, "JPEG", "image data before the end marker", "none");
            if (at + 4 > data.Length)
                throw CutShort(sourceName, "JPEG", at, data.Length, $"segment FF{marker:X2}");
            int length = (data[at + 2] << 8) | data[at + 3];
            if (length < 2 || at + 2 + length > data.Length)
                throw CutShort(sourceName, "JPEG", at, data.Length, $"segment FF{marker:X2} of {length:N0} bytes");
            if (marker is (>= 0xC0 and <= 0xC3) or (>= 0xC5 and <= 0xC7) or (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF))
                frame = true;
            if (marker == 0xDA)
            {
                if (!frame)
                    throw MnistDigitImage.Bad(sourceName, "JPEG", "a frame header (SOF) before the scan", "none");
                return;
            }
            at += 2 + length;
        }
    }

    private static InvalidDataException CutShort(string sourceName, string format, long at, int length, string what)
        => MnistDigitImage.Bad(sourceName, $"{format} structure", $"{what} at byte {at:N0} within the data", $"the data ends at byte {length:N0} (cut short or damaged)");

    public static InvalidDataException TooLarge(string sourceName, int width, int height, long maxPixelCount)
        => MnistDigitImage.Bad(sourceName, "size", $"at most {maxPixelCount:N0} pixels", $"{width:N0} x {height:N0} = {(long)width * height:N0}");

    /// <summary>
    /// Gray + alpha to gray. Transparent pixels are background, laid over the tone opposite to the
    /// opaque pixels' mean: a canvas of dark strokes on transparent becomes dark on white, light
    /// strokes on transparent become light on black.
    /// </summary>
    private static GrayImage ToGray(byte[] grayAlpha, int width, int height)
    {
        int count = width * height;
        var gray = new byte[count];
        long opaqueSum = 0, opaqueCount = 0;
        bool anyTransparent = false;
        for (int i = 0; i < count; i++)
        {
            byte value = grayAlpha[2 * i], alpha = grayAlpha[(2 * i) + 1];
            gray[i] = value;
            if (alpha < 255)
                anyTransparent = true;
            if (alpha >= 128)
            {
                opaqueSum += value;
                opaqueCount++;
            }
        }
        if (!anyTransparent)
            return new GrayImage(gray, width, height);

        int under = opaqueCount > 0 && opaqueSum / opaqueCount < 128 ? 255 : 0;
        for (int i = 0; i < count; i++)
        {
            int alpha = grayAlpha[(2 * i) + 1];
            gray[i] = (byte)(((gray[i] * alpha) + (under * (255 - alpha)) + 127) / 255);
        }
        return new GrayImage(gray, width, height);
    }

    private static string Describe(byte[] bytes)
        => bytes.Length == 0 ? "no bytes" : $"{bytes.Length:N0} bytes starting {Convert.ToHexString(bytes, 0, Math.Min(8, bytes.Length))}";

    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
