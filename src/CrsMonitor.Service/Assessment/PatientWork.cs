using System.Data.Common;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The one pass every write that concerns a patient ends with (FHIR writes, clinician actions on windows and doses,
/// scheduler wake-ups, the watchdog, the round settle), inside the caller's transaction: take the patient's lock once,
/// load the bounded grading state once, re-grade from the earliest changed instant when readings changed, bring the
/// monitoring up to date, and evaluate the alert rules on the same readings and on the episodes, doses and windows the
/// refresh left (and the device streams' states: Devices/DeviceStreams). So no caller can refresh without evaluating, or evaluate on readings it did not lock.
/// </summary>
public sealed class PatientWork(
    GradeRecalculator grades, MonitoringProcessor monitoring, AlertService alerts, RoundSettle settle, IOptions<ContinuousGradingSettings> continuous,
    Hosting.Telemetry.ServiceMetrics metrics, Devices.DeviceStreams streams, Monitoring.Outpatient.PreFeverWatch watch)
{
    /// <summary>
    /// Runs the pass for <paramref name="patientId"/> at <paramref name="now"/>; <paramref name="readingsFrom"/>: the
    /// earliest instant whose readings changed in this unit of work, or null when none did. <paramref name="under"/>, when
    /// given, is checked under the lock first: false skips the pass (the work was done meanwhile). Returns what the pass
    /// recorded, or null when skipped.
    /// </summary>
    public async Task<PatientPass?> RunAsync(
        DbConnection c, DbTransaction tx, string patientId, DateTimeOffset? readingsFrom, DateTimeOffset now, string actor, CancellationToken ct,
        Func<Task<bool>>? under = null)
    {
        // One writer per patient at a time: two concurrent writes would each miss the other's reading.
        await GradeStore.LockPatientAsync(c, tx, patientId, ct).ConfigureAwait(false);
        if (under is not null && !await under().ConfigureAwait(false))
        {
            return null;
        }

        IReadOnlyList<Reading> readings;
        if (readingsFrom is { } from)
        {
            var started = metrics.Timestamp();
            readings = await grades.RecalculateAsync(c, tx, patientId, from, now, ct).ConfigureAwait(false);
            metrics.Graded(started);
        }
        else
        {
            readings = (await GradingState.LoadAsync(c, tx, patientId, now, continuous.Value, ct).ConfigureAwait(false)).Readings;
        }

        // Read once, after grading wrote its points and episodes: what monitoring, the streams and the alert rules start from.
        var snapshot = await PatientSnapshot.LoadAsync(c, tx, patientId, now, ct).ConfigureAwait(false);
        var state = await monitoring.RefreshAsync(c, tx, patientId, snapshot, now, actor, ct).ConfigureAwait(false);

        // The pre-fever watch (issue 17): a state over the open windows, never a grade or an alert; bounded reads.
        await watch.RunAsync(c, tx, patientId, state, readingsFrom, now, ct).ConfigureAwait(false);
        if (readingsFrom is not null)
        {
            // Reading-derived alerts wait for the round to settle (section 7); the schedule's alerts are evaluated now.
            await settle.ReadingsChangedAsync(c, tx, patientId, now, ct).ConfigureAwait(false);
        }

        // Device streams (issue 17): last data, due instants and wear time; their states feed the no-data alert.
        var streamStates = await streams.RunAsync(c, tx, patientId, snapshot.Streams, readingsFrom, state.Windows, now, ct).ConfigureAwait(false);
        var changed = await alerts.EvaluateAsync(c, tx, patientId, readings, state, snapshot, now, ct, streamStates).ConfigureAwait(false);
        return new PatientPass(state.Recorded, changed);
    }
}

/// <summary>What one patient pass recorded: the monitoring events and the alerts raised or updated.</summary>
public sealed record PatientPass(IReadOnlyList<EventRow> Events, IReadOnlyList<AlertRow> Alerts);
