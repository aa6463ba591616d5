namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// FHIR's <c>Prefer: handling=strict|lenient</c> (RFC 7240) for search: lenient ignores search parameters this server
/// does not know, strict (the default) refuses them. Lenient only when a <c>handling</c> preference says so and none says
/// strict; the answer then says <c>Preference-Applied: handling=lenient</c>.
/// </summary>
public static class PreferHandling
{
    public const string Lenient = "handling=lenient";

    public static bool IsLenient(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var handling = FhirPrefer.PreferencesOf(request.Headers["Prefer"], "handling").ToList();
        return handling.Contains("lenient", StringComparer.OrdinalIgnoreCase) && !handling.Contains("strict", StringComparer.OrdinalIgnoreCase);
    }
}
