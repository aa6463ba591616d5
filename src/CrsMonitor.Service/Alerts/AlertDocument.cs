using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Alerts;

/// <summary>An alert as dashboards see it (<c>schemas/alerts/alert.schema.json</c>): hub events and the HTTP API.</summary>
public sealed record AlertDocument(
    string Id, string Unit, long Seq, string PatientId, string? PatientName, string Condition, string EpisodeKey, string State,
    int? Grade, string Title, string Message, DateTimeOffset RaisedAt, DateTimeOffset UpdatedAt, DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy, EscalationView Escalation, AlertBasis Basis,
    ManagementReference? Management)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary><c>patient</c> or <c>caregiver</c> when the alert rests on what they reported from home (the basis flag
    /// <c>patient-reported</c> / <c>caregiver-reported</c>); null for alerts on what clinicians and devices recorded.</summary>
    public string? ReportedBy => Basis.Flags.Contains(AlertRules.CaregiverReported) ? Readings.ReportedBy.Caregiver
        : Basis.Flags.Contains(AlertRules.PatientReported) ? Readings.ReportedBy.Patient
        : null;
}

public sealed record EscalationView(int Tier, string TierName, DateTimeOffset? NextAt);

/// <summary>What the alert rests on: the grade's rules and inputs with time and source, and the triggering readings.</summary>
public sealed record AlertBasis(
    string System, string? GradeStatus, string? Reason, IReadOnlyList<string> Flags, IReadOnlyList<RuleResponse> Rules,
    IReadOnlyList<BasisResponse> Inputs, IReadOnlyList<string> Readings, IReadOnlyList<string> StaleOrMissing);

/// <summary>The protocol's management text: reference, never an order.</summary>
public sealed record ManagementReference(string Text, string Source, string ProtocolId, string ProtocolVersion, string Note)
{
    public const string ReferenceNote = "Reference text from the protocol file, not an order.";
}

/// <summary>The conditions an alert can be about (one open alert per condition per episode).</summary>
public static class Conditions
{
    public const string Crs = "crs";
    public const string Icans = "icans";
    public const string ClinicianReview = "clinician-review";
    public const string Spo2WithoutOxygen = "spo2-without-oxygen";
    public const string CheckOverdue = "check-overdue";
    public const string WindowMaximumPassed = "window-maximum-passed";
    public const string StopInfusion = "stop-infusion";
    public const string PermanentlyDiscontinue = "permanently-discontinue";
    public const string NoData = "no-data";

    /// <summary>Neuro symptoms reported from home (issue 17): assess ICE now. One per check-in submission; never an ICANS grade.</summary>
    public const string AssessIceNow = "assess-ice-now";
}

/// <summary>A row of <c>alert</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class AlertRow
{
    public string Id { get; set; } = "";
    public string Unit { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string Condition { get; set; } = "";
    public string EpisodeKey { get; set; } = "";
    public AlertState State { get; set; } = AlertState.Raised;

    /// <summary>The state as the column holds it (the parameter the insert and update bind; see <see cref="Storage.DbTypes"/>).</summary>
    public string StateCode => State.Code();

    public int? Grade { get; set; }
    public string Title { get; set; } = "";
    public string Message { get; set; } = "";
    public string Basis { get; set; } = "{}";
    public string? Management { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public int EscalationTier { get; set; }
    public DateTimeOffset? NextEscalationAt { get; set; }
    public long Seq { get; set; }

    public AlertDocument ToDocument(string? patientName, AlertSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new AlertDocument(
            Id, Unit, Seq, PatientId, patientName, Condition, EpisodeKey, State.Code(), Grade, Title, Message, RaisedAt, UpdatedAt, AcknowledgedAt,
            AcknowledgedBy, ResolvedAt, ResolvedBy, new EscalationView(EscalationTier, settings.TierName(EscalationTier), NextEscalationAt),
            JsonSerializer.Deserialize<AlertBasis>(Basis, AlertDocument.Json)!,
            Management is null ? null : JsonSerializer.Deserialize<ManagementReference>(Management, AlertDocument.Json));
    }
}

/// <summary>Where an alert is in its life (<c>alert.state</c>; <see cref="AlertStates"/> gives the stored and sent word).</summary>
public enum AlertState
{
    Raised,
    Acknowledged,
    Resolved,
}

/// <summary>The words of <see cref="AlertState"/>: the text of <c>alert.state</c> and of the alert document's <c>state</c>.</summary>
public static class AlertStates
{
    private static readonly CodeTable<AlertState> Words = new(
        [(AlertState.Raised, "raised"), (AlertState.Acknowledged, "acknowledged"), (AlertState.Resolved, "resolved")]);

    public static string Code(this AlertState state) => Words.Code(state);
}

/// <summary>A row of <c>alert_action</c>: one step of an alert's life, who and when.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class AlertActionRow
{
    public long Id { get; set; }
    public string AlertId { get; set; } = "";
    public string Action { get; set; } = "";
    public DateTimeOffset At { get; set; }
    public string ByUser { get; set; } = "";
    public string Role { get; set; } = "";
    public string? Note { get; set; }
}

/// <summary>A row of <c>alert_change</c>: what the unit's dashboards were told, in order.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class AlertChangeRow
{
    public string Unit { get; set; } = "";
    public long Seq { get; set; }
    public string AlertId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Payload { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
