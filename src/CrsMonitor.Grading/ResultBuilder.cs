namespace CrsMonitor.Grading;

/// <summary>Collects the rules that fired, flags, inputs and missing inputs while a grader works.</summary>
internal sealed class ResultBuilder
{
    private readonly List<FiredRule> rules = [];
    private readonly List<string> flags = [];
    private readonly List<InputUsed> inputs = [];
    private readonly List<string> missing = [];
    private readonly List<DomainResult> domains = [];

    public void Rule(string id, string text) => rules.Add(new FiredRule(id, $"{text} ({id})"));

    public void Flag(string flag)
    {
        if (!flags.Contains(flag))
        {
            flags.Add(flag);
        }
    }

    public void Input(string name, string value) => inputs.Add(new InputUsed(name, value));

    public void Missing(string name) => missing.Add(name);

    public void Domain(DomainResult domain) => domains.Add(domain);

    public GradeResult Graded(int grade) =>
        new(GradeStatus.Graded, grade, null, flags, rules, domains, inputs, missing);

    public GradeResult NotGradable(string reason) =>
        new(GradeStatus.NotGradable, null, reason, flags, rules, domains, inputs, missing);
}
