using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// Turns what a client sent (an HTTP request's URL and headers, or a Bundle entry's <c>request</c>) into a
/// <see cref="WriteRequest"/>, or the 400 naming what is wrong: <c>If-None-Exist</c>, <c>If-Match</c>, the
/// conditional update's search, and a body id that is not the URL's.
/// </summary>
public static class WriteRequests
{
    /// <summary><c>POST [type]</c>, optionally with <c>If-None-Exist</c>.</summary>
    public static (WriteRequest? Request, FhirError? Error) Create(string type, string? ifNoneExist, string? preassignedId = null, string at = "If-None-Exist")
    {
        var request = WriteRequest.Create(preassignedId, at);
        if (ifNoneExist is null)
        {
            return (request, null);
        }

        if (!FhirEndpoints.ConditionalCreateTypes.Contains(type))
        {
            return (null, Error400(at, $"conditional create is supported for {string.Join(", ", FhirEndpoints.ConditionalCreateTypes)}, not {type}"));
        }

        return Condition(ifNoneExist, at, out var condition) is { } error ? (null, error) : (request with { IfNoneExist = condition }, null);
    }

    /// <summary>
    /// <c>PUT [type]/[id]</c> or <c>PUT [type]?identifier=system|value</c> (<paramref name="search"/>, sent in
    /// <paramref name="urlAt"/>), optionally with <c>If-Match</c> (sent in <paramref name="at"/>).
    /// </summary>
    public static (WriteRequest? Request, FhirError? Error) Update(string type, string? id, string? search, string? ifMatch, string at, string urlAt)
    {
        WriteRequest request;
        if (id is not null)
        {
            if (!FhirIds.IsValid(id))
            {
                return (null, Error400(urlAt, $"'{id}' is not a valid FHIR id ([A-Za-z0-9-.]{{1,64}})"));
            }

            request = new WriteRequest(WriteKind.Update, id, at);
        }
        else
        {
            if (!FhirEndpoints.ConditionalCreateTypes.Contains(type))
            {
                return (null, Error400(urlAt, $"conditional update is supported for {string.Join(", ", FhirEndpoints.ConditionalCreateTypes)}, not {type}"));
            }

            if (string.IsNullOrEmpty(search))
            {
                return (null, Error400(urlAt, $"PUT {type} needs an id (PUT {type}/[id]) or a condition (PUT {type}?identifier=system|value)"));
            }

            if (Condition(search, urlAt, out var condition) is { } error)
            {
                return (null, error);
            }

            request = new WriteRequest(WriteKind.ConditionalUpdate, null, at) { Condition = condition };
        }

        if (ifMatch is null)
        {
            return (request, null);
        }

        try
        {
            return (request with { IfMatch = IfMatch.Parse(ifMatch, at) }, null);
        }
        catch (FormatException e)
        {
            return (null, Error400(at, e.Message));
        }
    }

    /// <summary>An update's body names the resource of its URL (FHIR R4 3.1.0.4: a different id is 400; no id is taken as the URL's).</summary>
    public static FhirError? BodyIdError(WriteRequest request, Resource resource, string at)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(resource);
        return request.Kind == WriteKind.Update && resource.Id is { } bodyId && bodyId != request.Id
            ? Error400($"{at}.id", $"{at}.id '{StorableText.Printable(bodyId)}' is not the id of the URL ('{request.Id}'): send the id you update")
            : null;
    }

    private static FhirError? Condition(string text, string at, out IdentifierCondition? condition)
    {
        try
        {
            condition = IdentifierCondition.Parse(text, at);
            return null;
        }
        catch (FormatException e)
        {
            condition = null;
            return Error400(at, e.Message);
        }
    }

    private static FhirError Error400(string expression, string text) =>
        new(StatusCodes.Status400BadRequest, FhirOutcomes.Error(OperationOutcome.IssueType.Invalid, expression, text));
}
