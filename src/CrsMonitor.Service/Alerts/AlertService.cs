using System.Data.Common;
using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// The alert lifecycle, always inside the caller's transaction (invariant 5: the alert row, its action and the unit's
/// next <c>seq</c> are written with the grade change that caused them; SignalR is rung after commit):
/// raised → (updated as it worsens) → escalated by tier → acknowledged → resolved.
/// </summary>
public sealed class AlertService(
    ProtocolCatalog catalog, IOptions<AlertSettings> options, AlertBell bell, IOptions<GradingSettings> grading, IOptions<ContinuousGradingSettings> continuous)
{
    public const string System = "crsmonitor";
    private readonly AlertSettings settings = options.Value;
    private readonly AlertThresholds thresholds = new(
        grading.Value.HypoxiaAlertSpo2BelowPercent, continuous.Value.VitalsStaleAfter, continuous.Value.OxygenDeviceStaleAfter);

    /// <summary>
    /// Evaluates the rules for a patient at <paramref name="now"/> and applies them; returns the alerts raised or updated.
    /// While the patient has a round pending (<see cref="RoundSettle"/>) only the schedule conditions are applied.
    /// </summary>
    /// <remarks>
    /// <paramref name="readings"/>: the bounded grading state's readings this unit of work loaded under the patient's lock;
    /// <paramref name="monitoring"/>: the episodes, doses and windows as the same pass's monitoring refresh left them;
    /// <paramref name="snapshot"/>: the grade points in force, the unit and the patient's alerts the pass read after grading
    /// (<see cref="Assessment.PatientWork"/>).
    /// </remarks>
    public async Task<IReadOnlyList<AlertRow>> EvaluateAsync(
        DbConnection c, DbTransaction tx, string patientId, IReadOnlyList<Readings.Reading> readings, MonitoringState monitoring, Assessment.PatientSnapshot snapshot,
        DateTimeOffset now, CancellationToken ct, IReadOnlyList<Devices.StreamState>? streams = null)
    {
        ArgumentNullException.ThrowIfNull(monitoring);
        ArgumentNullException.ThrowIfNull(snapshot);
        var points = snapshot.Points;
        // Every monitoring event is a window's (window_id NOT NULL), and the refresh left all the patient's windows: none, no events.
        IReadOnlyList<EventRow> events = monitoring.Windows.Count == 0 ? [] : await MonitoringStore.EventsAsync(c, tx, patientId, ct).ConfigureAwait(false);
        var protocol = monitoring.Doses.Where(d => d.ProtocolId is not null).MaxBy(d => d.StartedAt)?.ProtocolId is { } pid
            ? catalog.Find(pid)?.Protocol
            : catalog.ApplicableTo(catalog.DefaultDrug, DateOnly.FromDateTime(now.UtcDateTime));
        var facts = new AlertFacts(
            now, Point(points, Scale.Crs), Point(points, Scale.Icans), monitoring.Episodes, readings, monitoring.Windows, events, protocol, thresholds, streams);
        var candidates = AlertRules.Evaluate(facts);
        var all = candidates;
        // A round is pending (section 7): its reading-derived conditions wait for the complete round (RoundSettleWorker).
        // Asked only when there is such a condition: most writes (normal vital signs) have none, and nothing to hold back.
        if (candidates.Any(candidate => !RoundSettle.ScheduleConditions.Contains(candidate.Condition))
            && await RoundSettle.PendingAsync(c, tx, patientId, ct).ConfigureAwait(false))
        {
            candidates = [.. candidates.Where(candidate => RoundSettle.ScheduleConditions.Contains(candidate.Condition))];
        }

        var unit = snapshot.Unit;
        var existing = snapshot.Alerts;
        var changed = new List<AlertRow>();
        foreach (var candidate in candidates)
        {
            var alert = existing.FirstOrDefault(a => a.Condition == candidate.Condition && a.EpisodeKey == candidate.EpisodeKey);
            if (alert is null)
            {
                alert = new AlertRow
                {
                    Id = Guid.NewGuid().ToString("N"), Unit = unit, PatientId = patientId, Condition = candidate.Condition, EpisodeKey = candidate.EpisodeKey,
                    State = AlertState.Raised, RaisedAt = now, EscalationTier = 0, NextEscalationAt = AlertUnit.FirstEscalation(settings, unit, now),
                };
                Fill(alert, candidate, now);
                alert.Seq = await AlertStore.NextSeqAsync(c, tx, alert.Unit, ct).ConfigureAwait(false);
                await AlertStore.InsertAsync(c, tx, alert, ct).ConfigureAwait(false);
                await RecordActionAsync(c, tx, alert, "raised", System, "system", null, now, ct).ConfigureAwait(false);
                await ChangeAsync(c, tx, alert, "alertRaised", now, ct).ConfigureAwait(false);
                changed.Add(alert);
                continue;
            }

            if (candidate.Grade is { } current && alert.Grade is { } before && current < before)
            {
                continue; // better than its worst: the alert keeps its worst grade until a clinician resolves it
            }

            var worse = Worse(candidate, alert);
            if (alert.State == AlertState.Resolved && !worse)
            {
                continue; // one alert per condition per episode: a resolved one is not raised again for the same finding
            }

            if (!worse && candidate.Message == alert.Message && candidate.Title == alert.Title)
            {
                continue;
            }

            Fill(alert, candidate, now);
            if (worse && alert.State is AlertState.Acknowledged or AlertState.Resolved)
            {
                // Worse than what was acknowledged or resolved (a higher grade in the same episode, another missed check in
                // the window): it needs attention again, and escalates again from now. Its history stays in alert_action.
                alert.State = AlertState.Raised;
                alert.AcknowledgedAt = null;
                alert.AcknowledgedBy = null;
                alert.ResolvedAt = null;
                alert.ResolvedBy = null;
                alert.EscalationTier = 0;
                alert.NextEscalationAt = AlertUnit.FirstEscalation(settings, alert.Unit, now);
            }

            var note = !worse ? null : candidate.Grade is { } grade ? $"grade {grade}" : candidate.Title;
            await StepAsync(c, tx, alert, "updated", System, "system", note, now, ct).ConfigureAwait(false);
            changed.Add(alert);
        }

        foreach (var alert in AlertRules.Withdrawn(existing, monitoring.Episodes, all))
        {
            alert.State = AlertState.Resolved;
            alert.ResolvedAt = now;
            alert.ResolvedBy = System;
            alert.NextEscalationAt = null;
            await StepAsync(c, tx, alert, "resolved", System, "system",
                "withdrawn: after re-grading, the episode it was raised for is no longer in the record (its readings were corrected or retracted)", now, ct).ConfigureAwait(false);
            changed.Add(alert);
        }

        if (streams is not null)
        {
            foreach (var alert in AlertRules.GapsClosed(existing, all))
            {
                // Issue 17: the data gap is over (data resumed, the window ended or the enrolment did): the system resolves
                // its alert; a new gap re-raises the same alert (one per patient), as a new overdue check re-raises check-overdue.
                alert.State = AlertState.Resolved;
                alert.ResolvedAt = now;
                alert.ResolvedBy = System;
                alert.NextEscalationAt = null;
                await StepAsync(c, tx, alert, "resolved", System, "system", AlertRules.GapClosedNote(streams), now, ct).ConfigureAwait(false);
                changed.Add(alert);
            }
        }

        bell.StatusChanged(tx, unit, patientId, now);
        return changed;
    }

    /// <summary>
    /// The alert, read under its patient's lock (the lock every re-grading and monitoring transaction takes before it
    /// evaluates the rules): an acknowledgement, a resolution, an escalation and a re-evaluation of one alert then follow
    /// each other instead of overwriting each other (PostgreSQL and SQL Server read committed; SQLite serialises anyway).
    /// </summary>
    public static async Task<AlertRow?> LockedAsync(DbConnection c, DbTransaction tx, string id, CancellationToken ct)
    {
        var alert = await AlertStore.ByIdAsync(c, tx, id, ct).ConfigureAwait(false);
        if (alert is null)
        {
            return null;
        }

        await GradeStore.LockPatientAsync(c, tx, alert.PatientId, ct).ConfigureAwait(false);
        return await AlertStore.ByIdAsync(c, tx, id, ct).ConfigureAwait(false);
    }

    /// <summary>Acknowledges (stops escalation) or resolves an alert for a clinician.</summary>
    public async Task<AlertRow> AcknowledgeOrResolveAsync(DbConnection c, DbTransaction tx, AlertRow alert, string action, string user, string role, string? note, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (action == "acknowledged")
        {
            alert.State = AlertState.Acknowledged;
            alert.AcknowledgedAt = now;
            alert.AcknowledgedBy = user;
            alert.NextEscalationAt = null;
        }
        else
        {
            alert.State = AlertState.Resolved;
            alert.ResolvedAt = now;
            alert.ResolvedBy = user;
            alert.NextEscalationAt = null;
        }

        await StepAsync(c, tx, alert, action, user, role, note, now, ct).ConfigureAwait(false);
        return alert;
    }

    /// <summary>Escalates an unacknowledged alert to its next tier (the escalation worker, in its own transaction).</summary>
    public async Task EscalateAsync(DbConnection c, DbTransaction tx, AlertRow alert, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        // The next tier is due its configured gap after this one was due (not after the raising: an alert re-armed
        // because it worsened after an acknowledgement escalates again from its re-arming).
        var due = alert.NextEscalationAt ?? now;
        alert.EscalationTier++;
        alert.NextEscalationAt = settings.NextEscalationAfter(due, alert.EscalationTier);
        alert.UpdatedAt = now;
        await StepAsync(c, tx, alert, "escalated", System, "system", $"to {settings.TierName(alert.EscalationTier)}", now, ct).ConfigureAwait(false);
    }

    /// <summary>Writes a change: the unit's next seq, the alert row, its action, the alertUpdated change row, the bell after commit.</summary>
    private async Task StepAsync(DbConnection c, DbTransaction tx, AlertRow alert, string action, string user, string role, string? note, DateTimeOffset now, CancellationToken ct)
    {
        alert.UpdatedAt = now;
        alert.Seq = await AlertStore.NextSeqAsync(c, tx, alert.Unit, ct).ConfigureAwait(false);
        await AlertStore.UpdateAsync(c, tx, alert, ct).ConfigureAwait(false);
        await RecordActionAsync(c, tx, alert, action, user, role, note, now, ct).ConfigureAwait(false);
        await ChangeAsync(c, tx, alert, "alertUpdated", now, ct).ConfigureAwait(false);
    }

    private static Task RecordActionAsync(DbConnection c, DbTransaction tx, AlertRow alert, string action, string user, string role, string? note, DateTimeOffset now, CancellationToken ct) =>
        AlertStore.InsertActionAsync(c, tx, new AlertActionRow { AlertId = alert.Id, Action = action, At = now, ByUser = user, Role = role, Note = note }, ct);

    private async Task ChangeAsync(DbConnection c, DbTransaction tx, AlertRow alert, string kind, DateTimeOffset now, CancellationToken ct)
    {
        var payload = JsonSerializer.Serialize(alert.ToDocument(null, settings), AlertDocument.Json);
        await AlertStore.InsertChangeAsync(c, tx, new AlertChangeRow { Unit = alert.Unit, Seq = alert.Seq, AlertId = alert.Id, Kind = kind, Payload = payload, At = now }, ct).ConfigureAwait(false);
        bell.Ring(tx, alert.Unit);
    }

    private static void Fill(AlertRow alert, AlertCandidate candidate, DateTimeOffset now)
    {
        alert.Grade = candidate.Grade is { } g && (alert.Grade is not { } old || g > old) ? g : alert.Grade;
        alert.Title = candidate.Title;
        alert.Message = candidate.Message;
        alert.Basis = JsonSerializer.Serialize(candidate.Basis, AlertDocument.Json);
        alert.Management = candidate.Management is null ? null : JsonSerializer.Serialize(candidate.Management, AlertDocument.Json);
        alert.UpdatedAt = now;
    }

    /// <summary>
    /// Worse than the alert shows: a higher grade, or (check-overdue) a check overdue that it did not list, or (no-data) a
    /// stream gap it did not list (another signal silent, or the same one silent again after data resumed). A worse
    /// candidate re-arms an acknowledged or resolved alert.
    /// </summary>
    private static bool Worse(AlertCandidate candidate, AlertRow alert) => candidate.Grade is { } grade
        ? grade > (alert.Grade ?? 0)
        : candidate.Condition is Conditions.CheckOverdue or Conditions.NoData
            && candidate.Basis.Rules.Select(r => r.Text).Except(
                JsonSerializer.Deserialize<AlertBasis>(alert.Basis, AlertDocument.Json)?.Rules.Select(r => r.Text) ?? [], StringComparer.Ordinal).Any();

    private static GradePointDocument? Point(IReadOnlyList<GradePointRow> points, Scale scale) =>
        points.FirstOrDefault(p => p.Scale == scale) is { } row ? GradePointDocument.Parse(row.ResultJson) : null;
}
