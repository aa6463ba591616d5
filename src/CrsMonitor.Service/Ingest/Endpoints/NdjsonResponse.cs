namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// Endpoint metadata: this <c>/fhir</c> route answers NDJSON (a Bulk Data file), not FHIR JSON, so
/// <see cref="FhirFormatFilter"/> asks <c>Accept</c> and <c>_format</c> to admit <c>application/fhir+ndjson</c> or
/// <c>application/ndjson</c> there (and only there).
/// </summary>
public sealed class NdjsonResponse
{
    public static readonly NdjsonResponse Metadata = new();

    /// <summary>The media types such a route answers in, best first.</summary>
    public static readonly IReadOnlyList<string> MediaTypes = ["application/fhir+ndjson", "application/ndjson"];

    private NdjsonResponse()
    {
    }
}
