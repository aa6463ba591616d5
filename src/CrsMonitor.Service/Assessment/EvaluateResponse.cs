using CrsMonitor.Grading;

namespace CrsMonitor.Service.Assessment;

/// <summary>The calculator answer: one result per scale asked for, null for a scale not asked for.</summary>
public sealed record EvaluateResponse(GradeResponse? Crs, GradeResponse? Icans);

/// <summary>
/// A grade and its basis (grading-rules.md section 4): status <c>graded</c> | <c>not-gradable</c>, grade (0 = none,
/// null when not gradable), reason, review flags, rules fired, domains, inputs used, missing inputs, system.
/// </summary>
public sealed record GradeResponse(
    string Status,
    int? Grade,
    string? Reason,
    IReadOnlyList<string> Flags,
    IReadOnlyList<RuleResponse> Rules,
    IReadOnlyList<DomainResponse> Domains,
    IReadOnlyList<InputResponse> Inputs,
    IReadOnlyList<string> Missing,
    string System)
{
    public static GradeResponse? From(GradeResult? result) => result is null
        ? null
        : new GradeResponse(
            Vocabulary.GradeStatus.Code(result.Status),
            result.Grade,
            result.Reason,
            result.Flags,
            [.. result.Rules.Select(r => new RuleResponse(r.Id, r.Text))],
            [.. result.Domains.Select(d => new DomainResponse(d.Domain, Vocabulary.DomainStatus.Code(d.Status), d.Grade, d.Reason))],
            [.. result.Inputs.Select(i => new InputResponse(i.Name, i.Value))],
            result.Missing,
            result.System);
}

public sealed record RuleResponse(string Id, string Text);

/// <summary>One ICANS domain or CRS axis; status <c>graded</c> | <c>not-assessable</c> | <c>missing</c>.</summary>
public sealed record DomainResponse(string Domain, string Status, int? Grade, string? Reason);

public sealed record InputResponse(string Name, string Value);
