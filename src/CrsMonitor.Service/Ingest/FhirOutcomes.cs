using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// OperationOutcome builders. Every issue carries the element it is about in <c>expression</c> (a path such as
/// <c>Observation.valueQuantity.code</c>) and the problem in plain words in <c>diagnostics</c>; issues found by the
/// Firely parser also carry its error code in <c>details</c> (system <see cref="FirelyErrorSystem"/>).
/// </summary>
public static class FhirOutcomes
{
    /// <summary>The code system of the Firely SDK's parser and validator messages (PVAL116, JSON129, ...).</summary>
    public const string FirelyErrorSystem = "http://firely.com/CodeSystem/ErrorMessages";

    /// <summary>An OperationOutcome with one error.</summary>
    public static OperationOutcome Error(OperationOutcome.IssueType issueType, string expression, string text) =>
        Outcome([ErrorIssue(issueType, expression, text)]);

    public static OperationOutcome.IssueComponent ErrorIssue(OperationOutcome.IssueType issueType, string expression, string text) =>
        Issue(OperationOutcome.IssueSeverity.Error, issueType, expression, text);

    /// <summary>A warning issue (the request succeeds; something in it was not used, e.g. a date-only effective time).</summary>
    public static OperationOutcome.IssueComponent Warning(OperationOutcome.IssueType issueType, string expression, string text) =>
        Issue(OperationOutcome.IssueSeverity.Warning, issueType, expression, text);

    /// <summary>An information issue.</summary>
    public static OperationOutcome.IssueComponent Information(string? expression, string text) =>
        Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, expression, text);

    public static OperationOutcome.IssueComponent Issue(
        OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType issueType, string? expression, string text,
        Coding? detail = null, string? location = null)
    {
        // Both may quote what the client sent: an answer must itself be valid FHIR (no control characters).
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = issueType, Diagnostics = StorableText.Printable(text) };
        if (!string.IsNullOrEmpty(expression))
        {
            issue.Expression = [StorableText.Printable(expression)];
        }

        if (detail is not null)
        {
            issue.Details = new CodeableConcept { Coding = [detail] };
        }

        if (location is not null)
        {
            // Deprecated in R4 in favour of expression (also given), but it still helps a person find the line.
            issue.Location = [StorableText.Printable(location)];
        }

        return issue;
    }

    /// <summary>The most issues one OperationOutcome lists (a hostile body must not buy an unbounded answer).</summary>
    public const int MaxIssues = 100;

    /// <summary>
    /// An OperationOutcome of <paramref name="issues"/>: with none, one information issue saying all is well; past
    /// <see cref="MaxIssues"/>, the first ones and an information issue saying how many more there were.
    /// </summary>
    public static OperationOutcome Outcome(IEnumerable<OperationOutcome.IssueComponent> issues) => Outcome(issues, 0);

    /// <summary>As <see cref="Outcome(IEnumerable{OperationOutcome.IssueComponent})"/>, with <paramref name="notListed"/> more problems found but not described.</summary>
    public static OperationOutcome Outcome(IEnumerable<OperationOutcome.IssueComponent> issues, int notListed)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var list = issues.ToList();
        if (list.Count == 0)
        {
            list.Add(Information(null, "All OK"));
        }
        else if (list.Count + notListed > MaxIssues)
        {
            var more = list.Count + notListed - MaxIssues;
            list = [.. list.Take(MaxIssues), Information(null, $"{more} more problems of the same resource are not listed")];
        }

        return new OperationOutcome { Issue = list };
    }
}
