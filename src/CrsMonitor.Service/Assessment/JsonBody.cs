using System.Globalization;
using System.Text.Json;
using CrsMonitor.Service.Ingest;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace CrsMonitor.Service.Assessment;

/// <summary>Reads a small JSON request body: UTF-8 JSON only (415), bounded size (413) and depth, parse errors as 400.</summary>
internal static class JsonBody
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>The parsed document, or the error response to send instead.</summary>
    public static async Task<(JsonDocument? Document, IResult? Failure)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (!IsUtf8Json(request.ContentType))
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "Send the body as JSON: Content-Type: application/json (UTF-8)."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, TooLarge(maxBytes));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // The client stopped sending: a 4xx, never a 500.
            return (null, TypedResults.Problem(statusCode: e.StatusCode, detail: $"The request body could not be read: {e.Message}"));
        }

        ReadOnlyMemory<byte> bytes = buffer.ToArray();
        if (bytes.Span.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, Options);
        }
        catch (JsonException e)
        {
            var errors = new ValidationErrors();
            errors.Add(ValidationErrors.Body, bytes.IsEmpty ? "the body is empty: expected a JSON object" : $"not valid JSON: {e.Message}");
            return (null, errors.ToResult());
        }

        var unstorable = new ValidationErrors();
        CheckText(document.RootElement, string.Empty, unstorable);
        if (unstorable.Any)
        {
            document.Dispose();
            return (null, unstorable.ToResult());
        }

        return (document, null);
    }

    /// <summary>
    /// Every string and field name of the body holds only text every database can store (<see cref="StorableText"/>):
    /// a U+0000 in a reason or note is this 400 naming the field on every provider, never a database error later.
    /// </summary>
    private static void CheckText(JsonElement element, string path, ValidationErrors errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        errors.Add(path.Length == 0 ? ValidationErrors.Body : path, "a field name contains an unpaired surrogate escape, which is not a character");
                        continue;
                    }

                    var at = path.Length == 0 ? Step(name) : $"{path}.{Step(name)}";
                    if (StorableText.ProblemOf(name) is { } problem)
                    {
                        errors.Add(at, $"the field name {problem}");
                    }

                    CheckText(property.Value, at, errors);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckText(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), errors);
                }

                break;
            case JsonValueKind.String:
                string text;
                try
                {
                    text = element.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    errors.Add(path.Length == 0 ? ValidationErrors.Body : path, "contains an unpaired surrogate escape (\\uD800-\\uDFFF alone), which is not a character");
                    break;
                }

                if (StorableText.ProblemOf(text) is { } textProblem)
                {
                    errors.Add(path.Length == 0 ? ValidationErrors.Body : path, textProblem);
                }

                break;
            default:
                break;
        }
    }

    /// <summary>A field name as a path step: shortened, and a character that may not be stored shown as U+FFFD.</summary>
    private static string Step(string name)
    {
        var shown = name.Length <= 64 ? name : name[..64] + "...";
        return StorableText.FirstForbidden(shown) < 0 ? shown : string.Concat(shown.Select(c => c < ' ' || char.IsSurrogate(c) ? '\uFFFD' : c));
    }

    private static bool IsUtf8Json(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static ProblemHttpResult TooLarge(int maxBytes) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        detail: $"The body is larger than {maxBytes / 1024} KB.");
}
