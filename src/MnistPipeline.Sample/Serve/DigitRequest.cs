using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MnistPipeline.Images;
using MnistPipeline.Sample.Model;
using static System.FormattableString;

namespace MnistPipeline.Sample.Serve;

/// <summary>A request the client can fix: answered 400 (or 413) with one line, never a stack trace.</summary>
internal sealed class BadDigitRequestException(string message, int statusCode = StatusCodes.Status400BadRequest) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

/// <summary>
/// The body of <c>POST /predict</c> to the 784 pixels the model takes: a PNG or JPEG image of a
/// digit (prepared with <see cref="MnistDigitImage"/>), or JSON <c>{"pixels": [784 numbers]}</c>
/// already in MNIST's format (row-major 28 x 28, 0 = background, 1 = ink: the 0..1 scale of the
/// model's ScalePixels step; each value is converted back to a byte as round(x · 255)).
/// </summary>
internal static class DigitRequest
{
    public const string JsonField = "pixels";

    public static readonly string[] ImageTypes = ["image/png", "image/jpeg"];

    public static byte[] ToPixels(string? contentType, byte[] body, MnistDigitImageOptions imageOptions)
    {
        string mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() ?? "" : "";
        if (mediaType.Length == 0)
            throw new BadDigitRequestException($"no Content-Type; send image/png, image/jpeg or application/json");
        if (body.Length == 0)
            throw new BadDigitRequestException($"the body is empty; send a {mediaType} body");
        return mediaType switch
        {
            "image/png" or "image/jpeg" or "image/jpg" => FromImage(body, imageOptions),
            "application/json" => FromJson(body),
            _ => throw new BadDigitRequestException($"unsupported Content-Type '{mediaType}'; send image/png, image/jpeg or application/json"),
        };
    }

    private static byte[] FromImage(byte[] body, MnistDigitImageOptions options)
    {
        try
        {
            return MnistDigitImage.FromBytes(body, "request body", options);
        }
        catch (InvalidDataException e)
        {
            throw new BadDigitRequestException(e.Message);
        }
    }

    private static byte[] FromJson(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException e)
        {
            throw new BadDigitRequestException($"the JSON body does not parse ({OneLine(e.Message)})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty(JsonField, out var array)
                || array.ValueKind != JsonValueKind.Array)
            {
                throw new BadDigitRequestException(Invariant($"the JSON body must be {{\"{JsonField}\": [{DigitModel.PixelCount} numbers from 0 to 1]}}"));
            }
            int length = array.GetArrayLength();
            if (length != DigitModel.PixelCount)
                throw new BadDigitRequestException(Invariant($"\"{JsonField}\" has {length} values; expected {DigitModel.PixelCount} (28 x 28, row-major)"));
            var pixels = new byte[DigitModel.PixelCount];
            int i = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out double value) || !double.IsFinite(value) || value < 0 || value > 1)
                    throw new BadDigitRequestException(Invariant($"\"{JsonField}\"[{i}] is {Shorten(item.GetRawText())}; expected a number from 0 (background) to 1 (ink)"));
                pixels[i++] = (byte)Math.Round(value * 255, MidpointRounding.AwayFromZero);
            }
            return pixels;
        }
    }

    private static string Shorten(string text) => text.Length <= 20 ? text : text[..20] + "…";

    private static string OneLine(string message)
        => string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>For messages: a size in the unit a person reads.</summary>
    public static string Bytes(long count) => count >= 1 << 20
        ? (count / (double)(1 << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB"
        : count.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
