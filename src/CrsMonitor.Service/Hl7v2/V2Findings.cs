using CrsMonitor.Service.Hl7v2.Er7;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>The findings of reading one message: every error is reported at once (as FHIR reports every issue), with the warnings.</summary>
public sealed class V2Findings
{
    private readonly List<V2Issue> issues = [];

    public IReadOnlyList<V2Issue> Issues => issues;

    public bool HasErrors => issues.Exists(i => i.Severity == V2Severity.Error);

    public void Error(Er7Location at, string text, V2ErrorCode code = V2ErrorCode.DataTypeError) => issues.Add(new V2Issue(at, code, text));

    public void Required(Er7Location at, string text) => issues.Add(new V2Issue(at, V2ErrorCode.RequiredFieldMissing, text));

    public void Warning(Er7Location at, string text) => issues.Add(new V2Issue(at, V2ErrorCode.ApplicationInternalError, text, V2Severity.Warning));

    public void Add(V2Issue issue) => issues.Add(issue);
}
