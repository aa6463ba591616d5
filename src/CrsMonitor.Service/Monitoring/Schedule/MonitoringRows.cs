using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Grading;
using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>A row of <c>monitoring_dose</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class DoseRow
{
    public string Id { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string DrugKey { get; set; } = "";
    public string? AdministrationId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? ProtocolId { get; set; }
    public int? Cycle { get; set; }
    public int? Day { get; set; }
    /// <summary>Where the dose's place in the step-up sequence came from (read back from its word by member name).</summary>
    public DoseBasis SequenceBasis { get; set; } = DoseBasis.History;

    /// <summary><see cref="SequenceBasis"/> as <c>monitoring_dose.sequence_basis</c> holds it (what the statements bind).</summary>
    public string SequenceBasisCode => SequenceBasis.Code();
    public int ExtendedMonitoring { get; set; }
    public string? ExtendedReason { get; set; }
    public string? ConfirmationRequired { get; set; }
    public string? CorrectedBy { get; set; }
    public string? CorrectionReason { get; set; }
    public DateTimeOffset RecordedAt { get; set; }

    public DosePlace? Place => Cycle is { } c && Day is { } d ? new DosePlace(c, d) : null;

    public bool SameAs(DoseRow other) =>
        other is not null && ProtocolId == other.ProtocolId && Cycle == other.Cycle && Day == other.Day
        && ExtendedMonitoring == other.ExtendedMonitoring && ExtendedReason == other.ExtendedReason
        && ConfirmationRequired == other.ConfirmationRequired && StartedAt == other.StartedAt && EndedAt == other.EndedAt;

    public DoseRow Copy() => (DoseRow)MemberwiseClone();
}

/// <summary>Where a dose's place in the step-up sequence came from.</summary>
public enum DoseBasis
{
    /// <summary>Counted from the patient's history of the drug: one after the previous dose.</summary>
    History,

    /// <summary>Set by a physician (a correction, or a dose given elsewhere); later doses count on from it.</summary>
    Physician,
}

/// <summary>The words of <see cref="DoseBasis"/> as <c>monitoring_dose.sequence_basis</c> and the API hold them.</summary>
public static class DoseBases
{
    private static readonly CodeTable<DoseBasis> Words = new([(DoseBasis.History, "history"), (DoseBasis.Physician, "physician")]);

    public static string Code(this DoseBasis basis) => Words.Code(basis);
}

/// <summary>A row of <c>monitoring_window</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class WindowRow
{
    public string Id { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string? DoseId { get; set; }
    public string? ProtocolId { get; set; }
    public string ProtocolWindowId { get; set; } = "";
    public WindowSetting Setting { get; set; }

    /// <summary>
    /// The setting as the column holds it (<see cref="MonitoringSettingKind"/>'s words, which Dapper cannot read by member
    /// name: <c>observation-clinic</c>): what the select reads into and the insert binds. A word that is none is refused.
    /// </summary>
    public string SettingCode
    {
        get => MonitoringSettingKind.Word(Setting);
        set => Setting = MonitoringSettingKind.Parse(value) ?? throw new InvalidDataException($"monitoring_window.setting holds '{value}', which is no setting");
    }

    public string Anchor { get; set; } = "";
    public DateTimeOffset OpensAt { get; set; }
    public DateTimeOffset EarliestEndAt { get; set; }
    public DateTimeOffset LatestEndAt { get; set; }
    public int Extended { get; set; }
    public string Source { get; set; } = "";
    public WindowState State { get; set; } = WindowState.Open;

    /// <summary>The state as the column holds it (the parameter the insert and update bind; see <see cref="Storage.DbTypes"/>).</summary>
    public string StateCode => State.Code();

    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset? NextWakeAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";

    /// <summary>Windows with checks (observed and inpatient settings); a proximity window has none.</summary>
    public bool HasChecks => Setting != WindowSetting.Proximity;

    /// <summary>The end of the window's schedule: its closing, else its latest end.</summary>
    public DateTimeOffset EndsAt => ClosedAt is { } closed && closed < LatestEndAt ? closed : LatestEndAt;
}

/// <summary>Where a monitoring window is (<c>monitoring_window.state</c>; <see cref="WindowStates"/> gives the stored word).</summary>
public enum WindowState
{
    Open,
    Closed,
    Completed,
    Superseded,
}

/// <summary>The words of <see cref="WindowState"/> as <c>monitoring_window.state</c> holds them.</summary>
public static class WindowStates
{
    private static readonly CodeTable<WindowState> Words = new(
        [(WindowState.Open, "open"), (WindowState.Closed, "closed"), (WindowState.Completed, "completed"), (WindowState.Superseded, "superseded")]);

    public static string Code(this WindowState state) => Words.Code(state);
}

/// <summary>A row of <c>window_decision</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class DecisionRow
{
    public string Id { get; set; } = "";
    public string WindowId { get; set; } = "";
    public string Action { get; set; } = "";
    public string? Decision { get; set; }
    public string? Hours { get; set; }
    public string Reason { get; set; } = "";
    public DateTimeOffset DecidedAt { get; set; }
    public string DecidedBy { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Detail { get; set; }
}

/// <summary>A row of <c>check_slot</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class SlotRow
{
    public string Id { get; set; } = "";
    public string WindowId { get; set; } = "";
    public string Kind { get; set; } = "";
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset OverdueAt { get; set; }
    public string Basis { get; set; } = "";
    public SlotState State { get; set; } = SlotState.Pending;

    /// <summary>The state as the column holds it (the parameter the inserts and update bind; see <see cref="Storage.DbTypes"/>).</summary>
    public string StateCode => State.Code();

    public DateTimeOffset? DoneAt { get; set; }
    public string? DoneBy { get; set; }
}

/// <summary>Where a check slot is (<c>check_slot.state</c>; <see cref="SlotStates"/> gives the stored and shown word).</summary>
public enum SlotState
{
    Pending,
    Done,
    Overdue,
    Superseded,
}

/// <summary>The words of <see cref="SlotState"/> as <c>check_slot.state</c> and the check views hold them.</summary>
public static class SlotStates
{
    private static readonly CodeTable<SlotState> Words = new(
        [(SlotState.Pending, "pending"), (SlotState.Done, "done"), (SlotState.Overdue, "overdue"), (SlotState.Superseded, "superseded")]);

    public static string Code(this SlotState state) => Words.Code(state);
}

/// <summary>A row of <c>monitoring_event</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class EventRow
{
    public long Id { get; set; }
    public string PatientId { get; set; } = "";
    public string WindowId { get; set; } = "";
    public string? SlotId { get; set; }
    public string Kind { get; set; } = "";
    public string DedupeKey { get; set; } = "";
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public string RecordedBy { get; set; } = "";
    public int Operational { get; set; }
    public string Detail { get; set; } = "{}";
}

/// <summary>The kinds of monitoring events (stored in <c>monitoring_event.kind</c>; handed to alerting).</summary>
public static class EventKinds
{
    /// <summary>A check was not done by its due time plus the grace period.</summary>
    public const string CheckOverdue = "check-overdue";

    /// <summary>The window's minimum was reached with no CRS or ICANS active: the patient may leave.</summary>
    public const string EligibleForDischarge = "eligible-for-discharge";

    /// <summary>The window's maximum passed without a decision.</summary>
    public const string MaximumPassed = "window-maximum-passed";

    /// <summary>Operational: a due wake-up was processed late (by the watchdog, or at start-up after the service was down).</summary>
    public const string ProcessedLate = "processed-late";
}
