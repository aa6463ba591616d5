namespace CrsMonitor.Grading.Icans;

public enum Consciousness
{
    Alert,
    AwakensSpontaneously,
    AwakensToVoice,
    AwakensToTactile,
    Unarousable,
}

public enum IceNotPossibleReason
{
    Unarousable,
    Sedated,
}

public enum Seizure
{
    None,
    RapidlyResolving,
    NonconvulsiveResolvedWithIntervention,
    ProlongedOver5Min,
    RepetitiveWithoutRecovery,
}

public enum MotorFinding
{
    None,
    DeepFocalWeakness,
}

public enum IcpFinding
{
    None,
    FocalEdema,
    DiffuseEdema,
    Posturing,
    CranialNerveVIPalsy,
    Papilledema,
    CushingTriad,
}

public enum ExcludedFinding
{
    Tremor,
    Myoclonus,
    IntracranialHaemorrhage,
}

/// <summary>The ten ICE points, item by item (stored, not only the total).</summary>
public sealed record IceItems(
    bool OrientationYear,
    bool OrientationMonth,
    bool OrientationCity,
    bool OrientationHospital,
    int NamingCount,
    bool FollowsCommands,
    bool WritesSentence,
    bool CountsBackwards)
{
    public int Total =>
        (OrientationYear ? 1 : 0) + (OrientationMonth ? 1 : 0) + (OrientationCity ? 1 : 0) + (OrientationHospital ? 1 : 0)
        + NamingCount + (FollowsCommands ? 1 : 0) + (WritesSentence ? 1 : 0) + (CountsBackwards ? 1 : 0);
}

/// <summary>CAPD frequency answers.</summary>
public enum CapdFrequency
{
    Never,
    Rarely,
    Sometimes,
    Often,
    Always,
}

/// <summary>
/// The eight CAPD items. Items 1–4 are reverse-scored (never = 4 … always = 0); items 5–8 are scored
/// never = 0 … always = 4. Total 0–32.
/// </summary>
public sealed record CapdItems(
    CapdFrequency EyeContact,
    CapdFrequency PurposefulActions,
    CapdFrequency AwareOfSurroundings,
    CapdFrequency CommunicatesNeeds,
    CapdFrequency Restless,
    CapdFrequency Inconsolable,
    CapdFrequency Underactive,
    CapdFrequency SlowToRespond)
{
    public int Total =>
        Reverse(EyeContact) + Reverse(PurposefulActions) + Reverse(AwareOfSurroundings) + Reverse(CommunicatesNeeds)
        + (int)Restless + (int)Inconsolable + (int)Underactive + (int)SlowToRespond;

    private static int Reverse(CapdFrequency f) => 4 - (int)f;
}

/// <summary>Everything the ICANS grader reads for one neuro check.</summary>
public sealed record IcansInput
{
    /// <summary>Age in whole years (ICANS-AGE). Null: the adult scale (ICE) unless only a CAPD score is given; the rule text says so.</summary>
    public int? AgeYears { get; init; }

    public bool DevelopmentalDelay { get; init; }

    public IceItems? IceItems { get; init; }

    /// <summary>ICE total 0–10 when items are not recorded. Items win when both are given.</summary>
    public int? IceScore { get; init; }

    public IceNotPossibleReason? IceNotPossibleReason { get; init; }
    public int? BaselineIceScore { get; init; }

    public Consciousness? Consciousness { get; init; }

    /// <summary>Depressed consciousness attributable to sedating medication (ICANS-SEDATION, CAPD-4).</summary>
    public bool Sedated { get; init; }

    public Seizure? Seizure { get; init; }
    public MotorFinding? Motor { get; init; }
    public IReadOnlyList<IcpFinding>? Icp { get; init; }
    public IReadOnlyList<ExcludedFinding> ExcludedFindings { get; init; } = [];

    public CapdItems? CapdItems { get; init; }
    public int? CapdScore { get; init; }
    public int? CapdBaseline { get; init; }

    public bool DeathAttributedToIcans { get; init; }
}
