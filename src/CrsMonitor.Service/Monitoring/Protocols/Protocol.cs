using System.Text.Json.Serialization;
using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Monitoring.Protocols;

/// <summary>
/// One version of one drug's dosing and monitoring protocol in one jurisdiction: a file of <c>schemas/protocols/</c>
/// (shape: <c>protocol.schema.json</c>; meaning of each field: its README). Data, never code: the service reads it,
/// checks it at start-up (<see cref="ProtocolLoader"/>) and never changes it.
/// </summary>
public sealed record Protocol(
    string Id,
    string Title,
    string? Indication,
    ProtocolDrug Drug,
    string Jurisdiction,
    string Version,
    string LabelVersion,
    DateOnly EffectiveFrom,
    ProtocolSource Source,
    int? CycleLengthDays,
    IReadOnlyList<ProtocolDose> Doses,
    IReadOnlyList<ProtocolWindow> Windows,
    ExtendedMonitoring? ExtendedMonitoring,
    CheckSchedule Checks,
    Premedications Premedications,
    IReadOnlyList<ManagementText> Management,
    DuringInfusion? DuringInfusion,
    IReadOnlyList<string> Notes,
    LabelOnset? LabelOnset = null)
{
    /// <summary>The dose entry that covers cycle <paramref name="cycle"/>, day <paramref name="day"/> (at most one does).</summary>
    public ProtocolDose? DoseAt(int cycle, int day) => Doses.FirstOrDefault(d => d.Covers(cycle, day));

    /// <summary>
    /// The windows of <paramref name="dose"/>, in file order; with <paramref name="extendedMonitoring"/> (the previous
    /// dose was followed by a trigger of <see cref="ExtendedMonitoring"/>) the extended windows are added to them. All
    /// windows of a dose are in force together: the patient may leave a setting when every window of it has reached
    /// its minimum.
    /// </summary>
    public IReadOnlyList<PlannedWindow> WindowsOf(ProtocolDose dose, bool extendedMonitoring = false)
    {
        ArgumentNullException.ThrowIfNull(dose);
        var own = Windows.Where(w => w.Doses.Contains(dose.Id)).Select(w => new PlannedWindow(
            w.Id, w.Anchor, w.MinHours, w.MaxHours, w.Setting, w.CaregiverRequired, w.MaxTravelMinutes, w.After, false, w.Basis, w.Source));
        var extended = extendedMonitoring && ExtendedMonitoring is { } e
            ? e.Windows.Select(w => new PlannedWindow(
                w.Id, w.Anchor, w.MinHours, w.MaxHours, w.Setting, w.CaregiverRequired, w.MaxTravelMinutes, w.After, true, e.Basis, e.Source))
            : [];
        return [.. own.Concat(extended)];
    }

    /// <summary>Whether a toxicity of this kind and grade after a dose gives the next dose extended monitoring.</summary>
    public bool ExtendsMonitoringAfter(TriggerKind kind, int grade) =>
        ExtendedMonitoring?.Triggers.Any(t => t.Fires(kind, grade)) ?? false;

    /// <summary>The reference text for a toxicity and grade 1–4 (every file has all eight), or null for grade 0 or 5.</summary>
    public ManagementText? ManagementFor(Scale toxicity, int grade) =>
        Management.FirstOrDefault(m => m.Toxicity == toxicity && m.Grade == grade);
}

public sealed record ProtocolDrug(string Key, string Name, string? BrandName, DrugCodes Codes);

/// <summary>The codes a MedicationAdministration of the drug may carry; each maps to the drug key in drug-map.json.</summary>
public sealed record DrugCodes(string Crsmonitor, string? Rxnorm, string? Atc);

public sealed record ProtocolSource(string Document, IReadOnlyList<string> Sections, string? Note);

/// <summary>
/// One or more doses with the same amount and monitoring: every day of <see cref="Days"/> in every cycle of
/// <see cref="Cycles"/> (an open range, <c>to: null</c>, is "and every later cycle").
/// </summary>
public sealed record ProtocolDose(
    string Id,
    CycleRange Cycles,
    IReadOnlyList<int> Days,
    decimal Amount,
    string Unit,
    DoseRoute Route,
    int? InfusionMinutes,
    int? StepUpIndex,
    Basis Basis,
    string Source)
{
    public bool Covers(int cycle, int day) => Cycles.Contains(cycle) && Days.Contains(day);
}

public sealed record CycleRange(int From, int? To)
{
    public bool Contains(int cycle) => cycle >= From && (To is not { } to || cycle <= to);

    public bool Overlaps(CycleRange other) =>
        other is not null && From <= (other.To ?? int.MaxValue) && other.From <= (To ?? int.MaxValue);

    public override string ToString() => To == From ? $"C{From}" : To is { } to ? $"C{From}-C{to}" : $"C{From} and later";
}

/// <summary>
/// A monitoring window of one or more doses. It opens when the administration starts (or, with <see cref="After"/>,
/// when that window ends); it may end from anchor + <see cref="MinHours"/> (earliest, if nothing is active) and
/// should have ended by anchor + <see cref="MaxHours"/> (latest, else a monitoring event).
/// </summary>
public sealed record ProtocolWindow(
    string Id,
    IReadOnlyList<string> Doses,
    WindowAnchor Anchor,
    decimal MinHours,
    decimal MaxHours,
    WindowSetting Setting,
    bool CaregiverRequired,
    int? MaxTravelMinutes,
    string? After,
    Basis Basis,
    string Source);

/// <summary>The next dose after a trigger gets <see cref="Windows"/> in addition to its own windows.</summary>
public sealed record ExtendedMonitoring(
    Basis Basis, string Source, IReadOnlyList<ProtocolTrigger> Triggers, string AppliesTo, IReadOnlyList<ExtendedWindow> Windows);

public sealed record ExtendedWindow(
    string Id, WindowAnchor Anchor, decimal MinHours, decimal MaxHours, WindowSetting Setting, bool CaregiverRequired, int? MaxTravelMinutes, string? After);

/// <summary>A window as it applies to one dose, with where it comes from (the dose's own windows or extended monitoring).</summary>
public sealed record PlannedWindow(
    string Id,
    WindowAnchor Anchor,
    decimal MinHours,
    decimal MaxHours,
    WindowSetting Setting,
    bool CaregiverRequired,
    int? MaxTravelMinutes,
    string? After,
    bool Extended,
    Basis Basis,
    string Source)
{
    /// <summary>The instant the window is measured from: the start or the end of the administration.</summary>
    public DateTimeOffset AnchorAt(DateTimeOffset administrationStart, DateTimeOffset administrationEnd) =>
        Anchor == WindowAnchor.Start ? administrationStart : administrationEnd;

    /// <summary>Anchor + minHours in elapsed time (a daylight-saving change inside the window changes nothing).</summary>
    public DateTimeOffset EarliestEnd(DateTimeOffset administrationStart, DateTimeOffset administrationEnd) =>
        AnchorAt(administrationStart, administrationEnd) + Hours(MinHours);

    public DateTimeOffset LatestEnd(DateTimeOffset administrationStart, DateTimeOffset administrationEnd) =>
        AnchorAt(administrationStart, administrationEnd) + Hours(MaxHours);

    private static TimeSpan Hours(decimal hours) => TimeSpan.FromTicks((long)(hours * TimeSpan.TicksPerHour));
}

/// <summary>A CRS, ICANS or neurologic toxicity of at least <see cref="MinGrade"/>, or a drop in ICE (no grade).</summary>
public sealed record ProtocolTrigger(TriggerKind On, int? MinGrade)
{
    public bool Fires(TriggerKind kind, int grade) => On == kind && (MinGrade is not { } min || grade >= min);
}

/// <summary>
/// Check frequencies inside inpatient, observed and observation-clinic windows, the overdue grace, and the intensification
/// rule; <see cref="Home"/> (optional): the schedule of home windows (absent: no scheduled checks at home).
/// </summary>
public sealed record CheckSchedule(
    Basis Basis, string Source, int VitalSignsEveryMinutes, int IceEveryMinutes, int OverdueGraceMinutes, Intensification Intensification,
    HomeChecks? Home = null)
{
    /// <summary>
    /// The schedule of a window in <paramref name="setting"/>, or null
    /// when it has none: nurse settings use this schedule; home uses <see cref="Home"/> (routine checks only, no
    /// intensification: a grade at home calls for moving the patient in, not for checks every 30 minutes at home);
    /// proximity has none.
    /// </summary>
    public CheckSchedule? For(WindowSetting setting)
    {
        if (MonitoringSettingKind.HasNurseChecks(setting))
        {
            return this;
        }

        return setting == WindowSetting.Home && Home is { } home
            ? this with
            {
                Basis = home.Basis, Source = home.Source,
                VitalSignsEveryMinutes = home.VitalSignsEveryMinutes ?? 0, IceEveryMinutes = home.IceEveryMinutes ?? 0,
                Intensification = Intensification with { Steps = [] }, Home = null,
            }
            : null;
    }
}

/// <summary>
/// Scheduled checks inside home windows: vital signs every <see cref="VitalSignsEveryMinutes"/> and ICE every
/// <see cref="IceEveryMinutes"/> (null: none of that kind), with the protocol's overdue grace, no intensification.
/// </summary>
public sealed record HomeChecks(Basis Basis, string Source, int? VitalSignsEveryMinutes, int? IceEveryMinutes);

/// <summary>After any trigger the steps apply in order; a new trigger starts again at the first step.</summary>
public sealed record Intensification(Basis Basis, string Source, IReadOnlyList<ProtocolTrigger> Triggers, IReadOnlyList<IntensifiedCheck> Steps);

/// <summary>One step: <see cref="Check"/> every <see cref="EveryMinutes"/> for <see cref="ForMinutes"/> (null: to the window's end).</summary>
public sealed record IntensifiedCheck(CheckKind Check, int EveryMinutes, int? ForMinutes, bool OnlyIfStable);

public sealed record Premedications(Basis Basis, string Source, IReadOnlyList<Premedication> Items);

public sealed record Premedication(
    string Id, string Name, string? DrugKey, decimal Amount, string Unit, DoseRoute Route, IReadOnlyList<string> Doses, PremedicationTiming Timing, string Text);

/// <summary>Given from <see cref="FromMinutes"/> to <see cref="ToMinutes"/> relative to the start or end of the dose (negative: before).</summary>
public sealed record PremedicationTiming(WindowAnchor RelativeTo, int FromMinutes, int ToMinutes, MinutesRange? OverMinutes);

public sealed record MinutesRange(int Min, int Max);

/// <summary>Reference text for one toxicity and grade, shown with its source and the protocol version; never an order.</summary>
public sealed record ManagementText(Scale Toxicity, int Grade, string Text, IReadOnlyList<DoseAction> DoseActions, Basis Basis, string Source);

/// <summary>What an alert raised while an infusion is running says.</summary>
public sealed record DuringInfusion(InfusionAction AtFirstSignOfCrs, string Text, Basis Basis, string Source);

/// <summary>
/// The label's median time to onset of CRS and of ICANS after a dose (optional in a file; a scale the label gives no median
/// for is null). Shown beside the site's cumulative incidence (the site view); it changes no grade, window or alert.
/// </summary>
public sealed record LabelOnset(OnsetRange? Crs, OnsetRange? Icans)
{
    public OnsetRange? For(Scale toxicity) => toxicity == Scale.Crs ? Crs : Icans;
}

/// <summary>A median onset given as a range of hours (13-16 h: the label reports it per study), measured from <see cref="Anchor"/> of the dose.</summary>
public sealed record OnsetRange(decimal MedianHoursFrom, decimal MedianHoursTo, WindowAnchor Anchor, string Source);

/// <summary>Where a statement of a protocol file comes from.</summary>
public enum Basis
{
    /// <summary>Taken from the label, as cited in its source.</summary>
    Label,

    /// <summary>A CrsMonitor default (protocols.md), not in the label.</summary>
    CrsmonitorDefault,

    /// <summary>A decision of the institution (e.g. a 20-hour minimum instead of 22).</summary>
    Institution,

    /// <summary>The label says something here that the file does not carry: read the cited section.</summary>
    LabelNotTranscribed,
}

public enum DoseRoute
{
    [JsonStringEnumMemberName("IV")]
    Intravenous,

    [JsonStringEnumMemberName("SC")]
    Subcutaneous,
}

/// <summary>The instant a window (or a premedication) is measured from.</summary>
public enum WindowAnchor
{
    /// <summary>The start of the administration.</summary>
    Start,

    /// <summary>The end of the administration (for an injection, the same instant as its start).</summary>
    End,
}

/// <summary>Where a window's patient is (words and meaning: <see cref="MonitoringSettingKind"/>).</summary>
public enum WindowSetting
{
    Inpatient,
    Observed,
    Proximity,

    /// <summary>At home (issue 17).</summary>
    Home,

    /// <summary>An outpatient observation or immediate-care clinic (issue 17); JSON <c>observation-clinic</c>.</summary>
    ObservationClinic,
}

public enum TriggerKind
{
    Crs,
    Icans,
    NeurologicToxicity,
    IceDrop,
}

public enum CheckKind
{
    VitalSigns,
    Ice,
}

public enum DoseAction
{
    WithholdUntilResolved,
    PermanentlyDiscontinueIfRecurrent,
    PermanentlyDiscontinue,
}

public enum InfusionAction
{
    StopInfusion,
}
