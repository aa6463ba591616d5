using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Primitives;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// A Bulk Data kick-off (<c>GET [base]/$export</c>) as understood: <c>Prefer: respond-async</c> is required;
/// <c>_outputFormat</c> (once) is NDJSON, by any of its three names; <c>_type</c> (comma list, may be repeated) names
/// types the content exports, in the content's order (none: all of them). Every other parameter is refused (400 naming
/// it), also with <c>Prefer: handling=lenient</c>: an export that silently ignored <c>_since</c> or <c>patient</c> would
/// hand over more than was asked for. (<c>_format</c>, which says how this answer is written, is every FHIR route's and
/// is checked by the format filter.)
/// </summary>
public static class KickOffRequest
{
    public const string OutputFormat = "_outputFormat";
    public const string Type = "_type";

    /// <summary>The names NDJSON goes by in <c>_outputFormat</c> (Bulk Data: servers accept all three).</summary>
    public static readonly IReadOnlyList<string> NdjsonFormats = ["application/fhir+ndjson", "application/ndjson", "ndjson"];

    /// <summary>Parameters of the Bulk Data IG (v2) this server does not offer.</summary>
    private static readonly HashSet<string> BulkDataParameters = new(StringComparer.Ordinal)
    {
        "_since", "_until", "_elements", "patient", "_typeFilter", "includeAssociatedData", "organizeOutputBy", "allowPartialManifests",
    };

    private static readonly HashSet<string> Understood = new(StringComparer.Ordinal) { OutputFormat, Type, "_format" };

    /// <summary>Whether a <c>Prefer</c> header asks for <c>respond-async</c> (RFC 7240: comma-separated, parameters after ';').</summary>
    public static bool AsksRespondAsync(StringValues prefer) =>
        prefer.SelectMany(h => (h ?? string.Empty).Split(','))
            .Any(item => item.Split(';')[0].Trim().Equals("respond-async", StringComparison.OrdinalIgnoreCase));

    public static FhirError PreferMissing() => Bad("Prefer",
        "The kick-off needs the header 'Prefer: respond-async': the export is built in the background; poll the address this answer's Content-Location gives.");

    /// <summary>The types to export (in <paramref name="resourceTypes"/>' order), or every problem with the query, each naming its parameter.</summary>
    public static (IReadOnlyList<string>? Types, FhirError? Error) Parse(IQueryCollection query, IReadOnlyList<string> resourceTypes)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(resourceTypes);
        var issues = new List<OperationOutcome.IssueComponent>();
        foreach (var name in query.Keys.Where(k => !Understood.Contains(k)))
        {
            issues.Add(Issue(name, BulkDataParameters.Contains(name)
                ? $"{name} is a Bulk Data parameter this server does not support; it is refused, not ignored (supported: _type, _outputFormat)"
                : $"'{name}' is not a parameter of $export here; it is refused, not ignored (supported: _type, _outputFormat)"));
        }

        var formats = query[OutputFormat];
        if (formats.Count > 1)
        {
            issues.Add(Issue(OutputFormat, "_outputFormat may be given once"));
        }
        else if (formats.Count == 1 && !IsNdjson(formats[0]))
        {
            issues.Add(Issue(OutputFormat, $"_outputFormat '{formats[0]}' is not supported; supported: {string.Join(", ", NdjsonFormats)} (the default)"));
        }

        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in query[Type].SelectMany(v => (v ?? string.Empty).Split(',')).Select(t => t.Trim()))
        {
            if (entry.Length == 0)
            {
                issues.Add(Issue(Type, "_type has an empty entry: give resource types separated by commas, e.g. _type=" + string.Join(",", resourceTypes)));
            }
            else if (!resourceTypes.Contains(entry, StringComparer.Ordinal))
            {
                issues.Add(Issue(Type, $"_type '{entry}' is not a type this export holds; supported: {string.Join(", ", resourceTypes)}"));
            }
            else
            {
                asked.Add(entry);
            }
        }

        if (issues.Count > 0)
        {
            return (null, new FhirError(StatusCodes.Status400BadRequest, FhirOutcomes.Outcome(issues)));
        }

        return ([.. resourceTypes.Where(t => asked.Count == 0 || asked.Contains(t))], null);
    }

    private static bool IsNdjson(string? value)
    {
        // An unescaped '+' in a query string arrives as a space (application/fhir ndjson).
        var format = (value ?? string.Empty).Trim().Replace(' ', '+');
        return NdjsonFormats.Contains(format, StringComparer.OrdinalIgnoreCase);
    }

    private static OperationOutcome.IssueComponent Issue(string parameter, string text) =>
        FhirOutcomes.ErrorIssue(parameter == "Prefer" ? OperationOutcome.IssueType.Required : OperationOutcome.IssueType.NotSupported, parameter, text);

    private static FhirError Bad(string parameter, string text) =>
        new(StatusCodes.Status400BadRequest, FhirOutcomes.Outcome([Issue(parameter, text)]));
}
