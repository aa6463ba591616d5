using System.Text;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// The HTTP answer of a single write, as standard FHIR clients expect it: 201 for a new resource, 200 otherwise;
/// <c>Location</c> (absolute, the stored version), <c>ETag</c> and <c>Last-Modified</c> always; the body as
/// <c>Prefer: return=</c> asks (the stored resource by default, nothing, or an OperationOutcome); and the ingest
/// warnings in <c>Warning</c> headers too, so that a create with a warning still answers the resource its client
/// expects (Firely's <c>CreateAsync</c> refuses an OperationOutcome in its place).
/// </summary>
public static class WriteAnswer
{
    /// <summary>The most <c>Warning</c> headers one answer carries; the OperationOutcome (<c>return=OperationOutcome</c>) has them all.</summary>
    private const int MaxWarningHeaders = 20;

    /// <summary>Longest text of one <c>Warning</c> header.</summary>
    private const int MaxWarningText = 300;

    /// <summary>
    /// <paramref name="revealStoredBody"/> is false when the caller may not read the stored resource (an integration
    /// client whose conditional create matched a resource it did not send): then no representation is given.
    /// </summary>
    public static IResult For(HttpContext context, WriteOutcome outcome, bool revealStoredBody)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(outcome);
        var saved = outcome.Saved;
        var response = context.Response;
        FhirEndpoints.SetVersionHeaders(response, saved.VersionId, saved.LastUpdated);
        response.Headers.Location = FhirUrls.VersionOf(context.Request, outcome.ResourceType, saved.Id, saved.VersionId);
        var said = Said(outcome);
        foreach (var issue in outcome.Warnings.Take(MaxWarningHeaders))
        {
            response.Headers.Append("Warning", WarningHeader(issue.Diagnostics ?? string.Empty));
        }

        if (!revealStoredBody)
        {
            response.Headers.Append("Warning", WarningHeader(said));
        }

        var status = outcome.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        return FhirPrefer.ReturnOf(context.Request.Headers["Prefer"]) switch
        {
            ReturnPreference.OperationOutcome => FhirHttp.Resource(Outcome(said, outcome.Warnings), status),
            ReturnPreference.Representation when revealStoredBody => FhirHttp.Json(saved.Body, status),
            _ => TypedResults.StatusCode(status),
        };
    }

    /// <summary>What the write did, in words (the OperationOutcome's first issue).</summary>
    private static string Said(WriteOutcome outcome)
    {
        var s = outcome.Saved;
        var at = $"{outcome.ResourceType}/{s.Id}/_history/{s.VersionId}";
        return s.Kind switch
        {
            SaveKind.Created => $"Created {at}",
            SaveKind.Updated when outcome.Corrected => $"Stored {at}: its identifier was already held by {outcome.ResourceType}/{s.Id} with other content, so this is its next version (a correction)",
            SaveKind.Updated => $"Updated {at}",
            SaveKind.Unchanged => $"{at} already has this content; nothing was written",
            _ => $"{at} already holds this identifier or content (a resend); nothing was written",
        };
    }

    private static OperationOutcome Outcome(string said, IReadOnlyList<OperationOutcome.IssueComponent> warnings)
    {
        var outcome = new OperationOutcome();
        outcome.Issue.Add(FhirOutcomes.Information(null, said));
        outcome.Issue.AddRange(warnings);
        return outcome;
    }

    /// <summary>An RFC 7234 warning, <c>199 crsmonitor "text"</c>: printable ASCII only (a header carries no other), quotes escaped.</summary>
    public static string WarningHeader(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var quoted = new StringBuilder("199 crsmonitor \"");
        foreach (var ch in text.Length > MaxWarningText ? text[..MaxWarningText] + "..." : text)
        {
            quoted.Append(ch switch
            {
                '"' or '\\' => "\\" + ch,
                >= ' ' and <= '~' => ch.ToString(),
                _ => "?",
            });
        }

        return quoted.Append('"').ToString();
    }
}
