using Hl7.Fhir.Model;
using Microsoft.Net.Http.Headers;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>HTTP plumbing of the FHIR endpoint: media types, size limits, FHIR JSON answers.</summary>
public static class FhirHttp
{
    public const string MediaType = "application/fhir+json";

    /// <summary>1 MB per resource (reliability-security.md).</summary>
    public const int MaxResourceBytes = 1024 * 1024;

    /// <summary>10 MB per Bundle.</summary>
    public const int MaxBundleBytes = 10 * 1024 * 1024;

    /// <summary>
    /// Reads the body: <c>application/fhir+json</c> or <c>application/json</c>, UTF-8 (415 otherwise, naming what was
    /// sent), at most <paramref name="maxBytes"/> (413), verbatim (FhirJson.Parse drops a UTF-8 byte-order mark).
    /// </summary>
    public static async Task<(ReadOnlyMemory<byte> Body, FhirError? Error)> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsFhirJson(request.ContentType))
        {
            return (default, new FhirError(StatusCodes.Status415UnsupportedMediaType, FhirOutcomes.Error(
                OperationOutcome.IssueType.NotSupported, "Content-Type",
                $"Content-Type '{request.ContentType ?? "(none)"}' is not supported: send application/fhir+json (UTF-8)")));
        }

        if (request.ContentLength > maxBytes)
        {
            return (default, TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (default, TooLarge(maxBytes));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            // The client stopped sending (or sent a malformed body): a 4xx, never a 500; nothing was stored.
            return (default, new FhirError(e.StatusCode, FhirOutcomes.Error(
                OperationOutcome.IssueType.Incomplete, "Resource", $"The request body could not be read: {e.Message}")));
        }

        // Verbatim: FhirJson.Parse drops one UTF-8 byte-order mark (dropping one here too let two through).
        return (buffer.ToArray(), null);
    }

    public static bool IsFhirJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>A FHIR JSON answer with the given status.</summary>
    public static IResult Resource(Resource resource, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Content(FhirJson.Serialize(resource), MediaType + "; charset=utf-8", System.Text.Encoding.UTF8, statusCode);

    /// <summary>Stored JSON answered as is (it was serialised by us when stored).</summary>
    public static IResult Json(string json, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Content(json, MediaType + "; charset=utf-8", System.Text.Encoding.UTF8, statusCode);

    public static IResult Error(FhirError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Resource(error.Outcome, error.StatusCode);
    }

    public static FhirError NotFound(string expression, string text) =>
        new(StatusCodes.Status404NotFound, FhirOutcomes.Error(OperationOutcome.IssueType.NotFound, expression, text));

    public static FhirError Forbidden(string text) =>
        new(StatusCodes.Status403Forbidden, FhirOutcomes.Error(OperationOutcome.IssueType.Forbidden, "Resource.subject", text));

    private static FhirError TooLarge(int maxBytes) => new(StatusCodes.Status413PayloadTooLarge, FhirOutcomes.Error(
        OperationOutcome.IssueType.TooLong, "Resource", $"The body is larger than {maxBytes / (1024 * 1024)} MB"));
}
