using Hl7.Fhir.Model;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// What every <c>/fhir</c> route speaks: FHIR JSON, uncompressed. One endpoint filter on the group (metadata included),
/// so every route refuses alike, after authentication and authorization:
/// <list type="bullet">
/// <item>415 naming <c>Content-Encoding</c> when the body carries a content coding other than <c>identity</c> (gzip,
/// deflate, br): the size limits count the bytes as sent, and nothing is decompressed (README decision log);</item>
/// <item>406 naming <c>_format</c> when <c>_format</c> asks for anything but JSON (it overrides <c>Accept</c>, as FHIR
/// says), else 406 naming <c>Accept</c> when <c>Accept</c> admits neither <c>application/fhir+json</c> nor
/// <c>application/json</c> (a <c>fhirVersion</c> parameter must be 4.0). A route marked <see cref="NdjsonResponse"/> (a Bulk
/// Data file) answers NDJSON instead: there <c>_format</c> and <c>Accept</c> must admit <c>application/fhir+ndjson</c>
/// or <c>application/ndjson</c> (<c>ndjson</c> as a <c>_format</c> short name), and FHIR JSON is 406.</item>
/// </list>
/// Content-Type is checked where a body is read (<see cref="FhirHttp.ReadBodyAsync"/>). A refused write is kept in
/// <c>rejected_payload</c> like every other refused write.
/// </summary>
public sealed class FhirFormatFilter : IEndpointFilter
{
    /// <summary>The media types we answer in, best first.</summary>
    private static readonly string[] Produced = [FhirHttp.MediaType, "application/json"];

    /// <summary><c>_format</c> short names and old names that mean FHIR JSON.</summary>
    private static readonly HashSet<string> JsonFormatNames = new(StringComparer.OrdinalIgnoreCase) { "json", "application/json+fhir" };

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (Refusal(http.Request) is not { } error)
        {
            return await next(context).ConfigureAwait(false);
        }

        return HttpMethods.IsPost(http.Request.Method) || HttpMethods.IsPut(http.Request.Method)
            ? await http.RequestServices.GetRequiredService<FhirBundleProcessor>().RejectAsync(http, null, error).ConfigureAwait(false)
            : FhirHttp.Error(error);
    }

    /// <summary>Why this request cannot be served in FHIR JSON (or NDJSON, on a route marked <see cref="NdjsonResponse"/>), or null.</summary>
    public static FhirError? Refusal(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ndjson = request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<NdjsonResponse>() is not null;
        var encodings = request.Headers.ContentEncoding;
        if (encodings.SelectMany(v => (v ?? string.Empty).Split(',')).Select(c => c.Trim()).FirstOrDefault(c => c.Length > 0 && !c.Equals("identity", StringComparison.OrdinalIgnoreCase)) is { } coding)
        {
            return new FhirError(StatusCodes.Status415UnsupportedMediaType, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported, "Content-Encoding",
                $"Content-Encoding '{coding}' is not supported: send the body uncompressed (identity)"));
        }

        if (ndjson)
        {
            return NdjsonRefusal(request);
        }

        if (request.Query.TryGetValue("_format", out var formats))
        {
            return formats.All(IsJsonFormat) ? null : NotAcceptable("_format",
                $"_format '{Quoted(string.Join(",", formats.ToArray()))}' is not served here: this server answers in FHIR JSON only (_format=json or application/fhir+json)");
        }

        return AdmitsJson(request.Headers.Accept) ? null : NotAcceptable("Accept",
            $"Accept '{Quoted(request.Headers.Accept.ToString())}' admits no type this server answers in: application/fhir+json or application/json (fhirVersion=4.0)");
    }

    /// <summary>Why a request to an NDJSON route cannot be served in NDJSON, or null.</summary>
    private static FhirError? NdjsonRefusal(HttpRequest request)
    {
        if (request.Query.TryGetValue("_format", out var formats))
        {
            return formats.All(IsNdjsonFormat) ? null : NotAcceptable("_format",
                $"_format '{Quoted(string.Join(",", formats.ToArray()))}' is not served here: this address answers in NDJSON only (_format=ndjson or application/fhir+ndjson)");
        }

        return Admits(request.Headers.Accept, NdjsonResponse.MediaTypes) ? null : NotAcceptable("Accept",
            $"Accept '{Quoted(request.Headers.Accept.ToString())}' admits no type this address answers in: application/fhir+ndjson or application/ndjson");
    }

    /// <summary>
    /// Whether an <c>Accept</c> header admits FHIR JSON: for each type we produce, the most specific matching range
    /// decides its quality (RFC 9110 §12.5.1); a missing or empty header admits anything, an unreadable one nothing.
    /// </summary>
    public static bool AdmitsJson(StringValues accept) => Admits(accept, Produced);

    /// <summary>Whether an <c>Accept</c> header admits one of <paramref name="produced"/> (as <see cref="AdmitsJson"/> does for FHIR JSON).</summary>
    public static bool Admits(StringValues accept, IReadOnlyList<string> produced)
    {
        ArgumentNullException.ThrowIfNull(produced);
        if (accept.All(string.IsNullOrWhiteSpace))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges))
        {
            return false;
        }

        return produced.Any(type => QualityFor(type, ranges) > 0);
    }

    private static bool IsJsonFormat(string? value)
    {
        // An unescaped '+' in a query string arrives as a space (application/fhir json).
        var format = (value ?? string.Empty).Trim().Replace(' ', '+');
        return JsonFormatNames.Contains(format) || (MediaTypeHeaderValue.TryParse(format, out var media) && Produced.Any(type => QualityFor(type, [media]) > 0));
    }

    private static bool IsNdjsonFormat(string? value)
    {
        var format = (value ?? string.Empty).Trim().Replace(' ', '+');
        return format.Equals("ndjson", StringComparison.OrdinalIgnoreCase)
            || (MediaTypeHeaderValue.TryParse(format, out var media) && NdjsonResponse.MediaTypes.Any(type => QualityFor(type, [media]) > 0));
    }

    private static double QualityFor(string type, IList<MediaTypeHeaderValue> ranges)
    {
        var produced = new MediaTypeHeaderValue(type);
        MediaTypeHeaderValue? best = null;
        foreach (var range in ranges.Where(r => produced.IsSubsetOf(WithoutParameters(r)) && FhirVersionIsR4(r)))
        {
            if (best is null || Specificity(range) > Specificity(best))
            {
                best = range;
            }
        }

        return best is null ? 0 : best.Quality ?? 1;
    }

    private static MediaTypeHeaderValue WithoutParameters(MediaTypeHeaderValue range) => new(range.MediaType);

    private static int Specificity(MediaTypeHeaderValue range) => range.MatchesAllTypes ? 0 : range.MatchesAllSubTypes ? 1 : 2;

    /// <summary>A <c>fhirVersion</c> parameter (FHIR's mime-type parameter) must name R4: 4.0 or 4.0.x.</summary>
    private static bool FhirVersionIsR4(MediaTypeHeaderValue range)
    {
        var parameter = range.Parameters.FirstOrDefault(p => p.Name.Equals("fhirVersion", StringComparison.OrdinalIgnoreCase));
        if (parameter is null)
        {
            return true;
        }

        var version = HeaderUtilities.RemoveQuotes(parameter.Value).Value ?? string.Empty;
        return version == "4.0" || version.StartsWith("4.0.", StringComparison.Ordinal);
    }

    /// <summary>What the client sent, shortened: a refused 32 KB header is not echoed whole.</summary>
    private static string Quoted(string value) => value.Length <= 200 ? value : value[..200] + "...";

    private static FhirError NotAcceptable(string expression, string text) =>
        new(StatusCodes.Status406NotAcceptable, FhirOutcomes.Error(OperationOutcome.IssueType.NotSupported, expression, text));
}
