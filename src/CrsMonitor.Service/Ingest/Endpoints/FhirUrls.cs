using Microsoft.AspNetCore.Http.Extensions;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>Absolute URLs of this FHIR endpoint as the client reached it (scheme, host and path base of the request, as the search links build them).</summary>
public static class FhirUrls
{
    /// <summary>The service base, e.g. <c>https://crs.example.org/fhir</c>.</summary>
    public static string BaseOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, FhirEndpoints.Base);
    }

    /// <summary>A version's URL, <c>[base]/[type]/[id]/_history/[vid]</c> (what Location names).</summary>
    public static string VersionOf(HttpRequest request, string type, string id, int versionId) =>
        $"{BaseOf(request)}/{type}/{id}/_history/{versionId}";
}
