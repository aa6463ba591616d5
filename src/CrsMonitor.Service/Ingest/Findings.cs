using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>A reading before it is placed in time and attributed to its patient and source.</summary>
internal sealed record ReadingDraft(ReadingKind Kind)
{
    public DateTimeOffset EffectiveAt { get; init; }

    public DateTimeOffset? EndAt { get; init; }

    public decimal? Value { get; init; }

    public string? OriginalValue { get; init; }

    public string? Code { get; init; }

    public string? Qualifier { get; init; }

    public string? ReportedBy { get; init; }

    public string? Detail { get; init; }

    /// <summary>The device identity the resource names (<see cref="Reading.Device"/>).</summary>
    public string? Device { get; init; }
}

/// <summary>
/// What the rules found in one resource: errors (the resource is refused with 422), warnings (accepted; something in it
/// is not used) and the readings it yields. Paths are given relative to the resource (<c>.valueQuantity.code</c>) and
/// reported under <see cref="Prefix"/> (<c>Observation</c>, or <c>Bundle.entry[3].resource</c> inside a Bundle).
/// </summary>
internal sealed class Findings(string prefix, bool inBundle)
{
    public string Prefix { get; } = prefix;

    /// <summary>Inside a Bundle, where <c>urn:uuid:</c> references name other entries.</summary>
    public bool InBundle { get; } = inBundle;

    public List<OperationOutcome.IssueComponent> Errors { get; } = [];

    public List<OperationOutcome.IssueComponent> Warnings { get; } = [];

    public List<ReadingDraft> Readings { get; } = [];

    public string PathOf(string relative) => Prefix + relative;

    /// <summary>An error at <paramref name="relative"/>; the text follows the element's path ("is required: ...").</summary>
    public void Error(string relative, string text, OperationOutcome.IssueType type = OperationOutcome.IssueType.Invalid)
    {
        var path = PathOf(relative);
        Errors.Add(FhirOutcomes.ErrorIssue(type, path, $"{path} {text}"));
    }

    public void Warning(string relative, string text, OperationOutcome.IssueType type = OperationOutcome.IssueType.Informational)
    {
        var path = PathOf(relative);
        Warnings.Add(FhirOutcomes.Warning(type, path, $"{path} {text}"));
    }
}
