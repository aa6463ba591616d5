using System.Globalization;
using System.Text.RegularExpressions;
using CrsMonitor.Service.Hl7v2.Er7;
using CrsMonitor.Service.Hl7v2.Translation;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// The FHIR rules' findings about the entries a message became, told as HL7 v2 findings: the issue's element
/// (<c>Bundle.entry[2].resource.valueQuantity.code</c>) is placed at the field it came from (OBX-6 of that OBX), and its
/// words keep the FHIR element in brackets for the interface team who reads both.
/// </summary>
internal static partial class FhirErrorMapping
{
    public static IEnumerable<V2Issue> Map(IEnumerable<OperationOutcome.IssueComponent> issues, IReadOnlyList<V2Entry> entries, Er7Location whole)
    {
        foreach (var issue in issues)
        {
            var expression = issue.Expression.FirstOrDefault() ?? string.Empty;
            var at = whole;
            var element = expression;
            if (EntryPath().Match(expression) is { Success: true } m
                && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < entries.Count)
            {
                var entry = entries[index];
                var relative = m.Groups[2].Value;
                at = relative.Length == 0 ? entry.Fields.Whole : entry.Fields.Locate(relative);
                element = relative.Length == 0 ? entry.Resource.TypeName : $"{entry.Resource.TypeName}.{relative}";
            }

            var text = issue.Diagnostics ?? issue.Details?.Text ?? "refused";
            if (expression.Length > 0 && text.StartsWith(expression, StringComparison.Ordinal))
            {
                text = text[expression.Length..].TrimStart();
            }

            var severity = issue.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal ? V2Severity.Error : V2Severity.Warning;
            yield return new V2Issue(at, CodeOf(issue.Code), element.Length > 0 ? $"{text} (FHIR {element})" : text, severity);
        }
    }

    private static V2ErrorCode CodeOf(OperationOutcome.IssueType? type) => type switch
    {
        OperationOutcome.IssueType.Required => V2ErrorCode.RequiredFieldMissing,
        OperationOutcome.IssueType.CodeInvalid => V2ErrorCode.TableValueNotFound,
        OperationOutcome.IssueType.NotFound => V2ErrorCode.UnknownKeyIdentifier,
        OperationOutcome.IssueType.Duplicate or OperationOutcome.IssueType.Conflict => V2ErrorCode.DuplicateKeyIdentifier,
        OperationOutcome.IssueType.Invalid or OperationOutcome.IssueType.Value or OperationOutcome.IssueType.Structure
            or OperationOutcome.IssueType.BusinessRule or OperationOutcome.IssueType.Invariant => V2ErrorCode.DataTypeError,
        _ => V2ErrorCode.ApplicationInternalError,
    };

    [GeneratedRegex(@"^Bundle\.entry\[(\d+)\](?:\.resource)?\.?(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex EntryPath();
}
