using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// FHIR R4 JSON in and out. Parsing is two steps: a strict scan of the JSON itself (syntax, UTF-8, nesting at most
/// <see cref="MaxDepth"/>, a JSON object at the root with a known <c>resourceType</c> equal to the URL's type, no
/// property given twice), then Firely's <see cref="FhirJsonDeserializer"/> in its DEFAULT mode (unknown elements,
/// wrong types, invalid codes and literals, missing required elements). Anything wrong is a 400 whose
/// OperationOutcome lists every problem found, each with the JSON path of the element, the problem in words and,
/// for the parser's findings, Firely's error code. Never throws for any input.
/// </summary>
public static class FhirJson
{
    /// <summary>The deepest JSON nesting accepted (reliability-security.md).</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// The most JSON values (objects, arrays, strings, numbers, booleans, nulls) one resource may hold: counted by the
    /// first scan, before the parser, so a body of tens of thousands of elements costs one linear pass. A real
    /// resource holds a few hundred; 1 MB of JSON can hold about 250,000.
    /// </summary>
    public const int MaxValuesPerResource = 100_000;

    /// <summary>The same for a Bundle (up to 10 MB, <see cref="Endpoints.FhirHttp.MaxBundleBytes"/>).</summary>
    public const int MaxValuesPerBundle = 1_000_000;

    /// <summary>Parses one resource. <paramref name="expectedType"/> is the type in the URL (null: any type).</summary>
    public static (Resource? Resource, FhirError? Error) Parse(ReadOnlyMemory<byte> utf8Json, string? expectedType)
    {
        var json = utf8Json.Span;
        if (json.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
            json = utf8Json.Span;
        }

        var scan = JsonScan.Run(json, expectedType, expectedType == "Bundle" ? MaxValuesPerBundle : MaxValuesPerResource);
        if (scan.Issues.Count > 0)
        {
            return (null, BadRequest(scan.Issues));
        }

        IEnumerable<CodedException> issues;
        Resource? resource;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
            if (FhirJsonDeserializer.DEFAULT.TryDeserializeResource(ref reader, out resource, out issues))
            {
                return resource is null
                    ? (null, BadRequest([FhirOutcomes.ErrorIssue(OperationOutcome.IssueType.Structure, "Resource", "Resource: the body holds no resource")]))
                    : (resource, null);
            }
        }
#pragma warning disable CA1031 // Any failure of the parser on hostile input is the client's 400, never our 500.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return (null, BadRequest([FhirOutcomes.ErrorIssue(OperationOutcome.IssueType.Structure, scan.ResourceType ?? "Resource",
                $"{scan.ResourceType ?? "Resource"}: the resource could not be read ({e.Message})")]));
        }

        var (found, notListed) = FirelyIssues.ToIssues(issues, utf8Json, scan.ResourceType ?? resource?.TypeName ?? "Resource");
        return found.Count == 0 && resource is not null ? (resource, null) : (null, BadRequest(found, notListed));
    }

    /// <summary>Compact FHIR JSON of <paramref name="resource"/>, for storage and responses.</summary>
    public static string Serialize(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return FhirJsonSerializer.Default.SerializeToString(resource, pretty: false);
    }

    private static FhirError BadRequest(IReadOnlyList<OperationOutcome.IssueComponent> issues, int notListed = 0) =>
        new(StatusCodes.Status400BadRequest, FhirOutcomes.Outcome(issues.Count > 0
            ? issues
            : [FhirOutcomes.ErrorIssue(OperationOutcome.IssueType.Structure, "Resource", "Resource: the resource is not valid FHIR R4")], notListed));
}
