using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Research.Episodes;

/// <summary>
/// One CRS or ICANS episode as research data (issue 16): the dose it follows, onset, peak and resolution, the maximum
/// grade and the raw inputs at the peak, the treatments given and the labs around it. Identified: the export
/// de-identifies it (<see cref="Deidentification.Deidentifier"/>); nothing here leaves the service as it is.
/// </summary>
public sealed record EpisodeRecord(
    string PatientId,
    Scale Scale,
    DateTimeOffset OnsetAt,
    DateTimeOffset PeakAt,
    DateTimeOffset? ResolvedAt,
    int MaxGrade,
    int? AgeAtDoseYears,
    DoseContext? Dose,
    PeakFindings Peak,
    IReadOnlyList<TreatmentGiven> Treatments,
    IReadOnlyList<LabAround> Labs)
{
    /// <summary>Hours from the dose's infusion start (or end) to <paramref name="at"/>; null without a dose or an end.</summary>
    public decimal? HoursFromStart(DateTimeOffset? at) => Dose is { } d && at is { } t ? Hours(t - d.InfusionStart) : null;

    public decimal? HoursFromEnd(DateTimeOffset? at) => Dose?.InfusionEnd is { } end && at is { } t ? Hours(t - end) : null;

    /// <summary>Hours to two decimals (36 s): finer than any reading's timing, and exact in a CSV.</summary>
    private static decimal Hours(TimeSpan span) => Math.Round((decimal)span.TotalSeconds / 3600m, 2, MidpointRounding.AwayFromZero);
}

/// <summary>
/// The protocol dose an episode follows: the last dose of a protocol drug whose infusion started at or before the
/// onset. Amount as given (the administration's dose, else the protocol's), route and step-up index from the protocol
/// dose the place matches, the monitoring setting of the window it opened.
/// </summary>
public sealed record DoseContext(
    string DoseId,
    string Drug,
    int? Cycle,
    int? Day,
    int? StepUpIndex,
    string? Amount,
    string? Route,
    DateTimeOffset InfusionStart,
    DateTimeOffset? InfusionEnd,
    IReadOnlyList<TreatmentGiven> Premedication,
    string? ProtocolId,
    string? LabelVersion,
    string? MonitoringSetting);

/// <summary>
/// The raw inputs at the peak. CRS: the highest temperature of the episode, whether fever was masked and the rule that
/// said so, vasopressors running at the peak (vasopressin not counted, as ASTCT counts), the oxygen device and flow in
/// force. ICANS: the lowest ICE of the episode with its items, and the level of consciousness, seizure, motor finding
/// and raised-ICP/oedema finding of the last neuro check at or before the peak. Unknown facts stay null, never 0.
/// </summary>
public sealed record PeakFindings(
    decimal? TmaxCelsius,
    DateTimeOffset? TmaxAt,
    bool FeverMasked,
    string? FeverMaskedWhy,
    int? VasopressorCount,
    string? OxygenDevice,
    decimal? OxygenFlowLitresPerMinute,
    int? LowestIce,
    DateTimeOffset? LowestIceAt,
    string? LowestIceItems,
    string? Consciousness,
    string? Seizure,
    string? Motor,
    string? Edema);

/// <summary>A drug given (tocilizumab, a corticosteroid, a premedication): its key, class, dose as given and times.</summary>
public sealed record TreatmentGiven(string Drug, string DrugClass, string? Dose, DateTimeOffset StartedAt, DateTimeOffset? EndedAt);

/// <summary>A lab result around the episode, in its analyte's canonical unit (null when censored: see <see cref="Original"/>).</summary>
public sealed record LabAround(string Analyte, decimal? Value, string Unit, string? Original, string? Basis, DateTimeOffset At);
