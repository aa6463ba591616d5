using Microsoft.Net.Http.Headers;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// FHIR conditional read (RFC 9110 §13.1): <c>If-None-Match</c> naming the version read (weak comparison, or <c>*</c>),
/// else <c>If-Modified-Since</c> not before its <c>Last-Modified</c> (to the second), is answered 304 with no body.
/// Asked only once the caller may read the resource, so a 304 never tells anyone else that it exists or is unchanged.
/// </summary>
public static class ConditionalRead
{
    public static bool IsNotModified(HttpRequest request, int versionId, DateTimeOffset lastUpdated, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.GetTypedHeaders();
        if (request.Headers.IfNoneMatch.Count > 0)
        {
            var current = new EntityTagHeaderValue($"\"{versionId}\"", isWeak: true);
            return headers.IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false));
        }

        // An HTTP-date has whole seconds; one later than our clock is not a date the client can have had from us.
        return headers.IfModifiedSince is { } since && since <= now
            && lastUpdated.AddTicks(-(lastUpdated.UtcTicks % TimeSpan.TicksPerSecond)) <= since;
    }
}
