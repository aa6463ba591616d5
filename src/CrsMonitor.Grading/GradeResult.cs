namespace CrsMonitor.Grading;

/// <summary>Whether a scale could be graded (grading-rules.md section 4).</summary>
public enum GradeStatus
{
    Graded,
    NotGradable,
}

/// <summary>How one domain (ICANS) or axis (CRS) came out.</summary>
public enum DomainStatus
{
    /// <summary>The domain was assessed and has a grade (0 = nothing found).</summary>
    Graded,

    /// <summary>The domain cannot be assessed (sedation); never scored as 0.</summary>
    NotAssessable,

    /// <summary>No input was given for the domain; reported, never defaulted to normal.</summary>
    Missing,
}

/// <summary>A rule that fired, by rule id of grading-rules.md, with the plain-language text a clinician reads.</summary>
public sealed record FiredRule(string Id, string Text);

/// <summary>An input the grader used, with the value it read (the service adds time and source).</summary>
public sealed record InputUsed(string Name, string Value);

/// <summary>One ICANS domain or CRS axis.</summary>
public sealed record DomainResult(string Domain, DomainStatus Status, int? Grade, string? Reason = null);

/// <summary>
/// What every grade carries (grading-rules.md section 4): status, grade (0 = none; null when not gradable),
/// reason, review flags, the rules that fired, inputs used, missing inputs, per-domain results and the system.
/// </summary>
public sealed record GradeResult(
    GradeStatus Status,
    int? Grade,
    string? Reason,
    IReadOnlyList<string> Flags,
    IReadOnlyList<FiredRule> Rules,
    IReadOnlyList<DomainResult> Domains,
    IReadOnlyList<InputUsed> Inputs,
    IReadOnlyList<string> Missing)
{
    /// <summary>The grading system and version every result names.</summary>
    public const string GradingSystem = "ASTCT-2019";

    public string System { get; init; } = GradingSystem;
}

/// <summary>Well-known review flags and reasons. Words are part of the API contract.</summary>
public static class GradeFlags
{
    public const string VasopressinMonotherapy = "vasopressin-monotherapy";
    public const string HfncLowFlow = "hfnc-low-flow";
    public const string FeverMasked = "fever-masked";
    public const string SuspectedMaskedFever = "suspected-masked-fever";
    public const string ClinicianReview = "clinician-review";
    public const string BaselineLimited = "baseline-limited";
    public const string Sedated = "sedated";
    public const string OxygenFlowMissing = "oxygen-flow-missing";
    public const string ComfortOxygenUnverified = "comfort-oxygen-unverified";
    public const string HypoxiaWithoutDocumentedSupport = "hypoxia-without-documented-support";
    public const string IceAgeThreshold = "ice-age-threshold";
    public const string CapdBaselineMissing = "capd-baseline-missing";
    public const string EdemaWithHaemorrhage = "edema-with-haemorrhage";
    public const string IncompleteAssessment = "incomplete-assessment";
    public const string ScaleAgeMismatch = "scale-age-mismatch";
    public const string ScalesDisagree = "scales-disagree";
    public const string AfebrileSupport = "afebrile-support";
}

/// <summary>Reasons a scale is not gradable.</summary>
public static class NotGradableReasons
{
    public const string SuspectedMaskedFever = "suspected-masked-fever";
    public const string Sedated = "sedated";
    public const string TemperatureMissing = "temperature-missing";

    /// <summary>Retired by ICANS-MISSING (now <see cref="IceMissing"/> or <see cref="CapdMissing"/>); grade points stored before it still carry it.</summary>
    public const string NoNeuroAssessment = "no-neuro-assessment";

    /// <summary>ICANS-MISSING: no ICE recorded (neither a score nor "not possible") and no positive domain, for a patient on ICE.</summary>
    public const string IceMissing = "ice-missing";

    /// <summary>ICANS-MISSING: as <see cref="IceMissing"/> for a child on CAPD.</summary>
    public const string CapdMissing = "capd-missing";
}
