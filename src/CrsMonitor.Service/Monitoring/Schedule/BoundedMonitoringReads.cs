using System.Data.Common;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// The service's reads for the monitoring refresh, bounded whatever the length of the patient's history:
/// <list type="bullet">
/// <item>doses: the protocol-drug administrations only (a patient has few);</item>
/// <item>triggers: the grade steps and neuro checks from the earliest open window on (plus the one before of each);</item>
/// <item>vital-signs slots: per slot, the first temperature, systolic BP and SpO2 in its span (three index seeks in one
/// statement), none for a slot whose span starts after the latest of the three (a future slot);</item>
/// <item>ICE slots: the neuro checks already read for the triggers (a neuro check is a nurse's act: they are few).</item>
/// </list>
/// It counts what it reads (<see cref="ReadingsRead"/>, <see cref="Statements"/>), so tests can show the bound.
/// </summary>
public sealed class BoundedMonitoringReads : MonitoringReads
{
    private long readings;
    private long gradeSteps;
    private long statements;

    /// <summary>Reading rows read so far by this instance.</summary>
    public long ReadingsRead => Interlocked.Read(ref readings);

    /// <summary>Grade-point rows read so far by this instance.</summary>
    public long GradeStepsRead => Interlocked.Read(ref gradeSteps);

    /// <summary>SQL statements run so far by this instance.</summary>
    public long Statements => Interlocked.Read(ref statements);

    internal override async Task<IReadOnlyList<Reading>> AdministrationsAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct) =>
        Counted(await MonitoringReadingStore.ProtocolAdministrationsAsync(c, tx, patientId, ct).ConfigureAwait(false));

    internal override async Task<TriggerInputs> TriggerInputsAsync(
        DbConnection c, DbTransaction tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var grades = await MonitoringReadingStore.GradeStepsAsync(c, tx, patientId, from, to, ct).ConfigureAwait(false);
        Interlocked.Increment(ref statements);
        Interlocked.Add(ref gradeSteps, grades.Count);
        var checks = Counted(await MonitoringReadingStore.NeuroChecksAsync(c, tx, patientId, from, to, ct).ConfigureAwait(false));
        var (before, rows) = await MonitoringReadingStore.LastNeuroCheckBeforeAsync(
            c, tx, patientId, from, r => MonitoringProcessor.IceScoreOf(r) is not null, ct).ConfigureAwait(false);
        Interlocked.Increment(ref statements);
        Interlocked.Add(ref readings, rows);
        return new TriggerInputs(grades, before is null ? checks : [before, .. checks]);
    }

    internal override async Task<IReadOnlyList<SlotDone?>> MatchAsync(
        DbConnection c, DbTransaction tx, string patientId, SlotsToMatch slots, TriggerInputs inputs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(inputs);
        if (slots.Kind == CheckKind.Ice)
        {
            return SlotMatcher.Match(slots.Kind, slots.DueTimes, slots.OpensAt, inputs.NeuroChecks, slots.EarlyTolerance, slots.Boundaries, slots.WindowEnd);
        }

        var spans = slots.Spans();
        var result = new SlotDone?[spans.Count];
        if (spans.All(s => s.IsEmpty))
        {
            return result;
        }

        var latest = await MonitoringReadingStore.LatestVitalSignsAsync(c, tx, patientId, ct).ConfigureAwait(false);
        Interlocked.Increment(ref statements);
        if (latest.AllUntil is not { } until)
        {
            return result; // some vital sign never recorded: no vital-signs check is done
        }

        for (var i = 0; i < spans.Count; i++)
        {
            var span = spans[i];
            if (span.IsEmpty || span.From > until)
            {
                continue;
            }

            // Instants are stored to the microsecond: a span starting one tick after a trigger starts at the next microsecond.
            var firsts = Counted(await MonitoringReadingStore.FirstVitalSignsAsync(c, tx, patientId, Up(span.From), Up(span.To), ct).ConfigureAwait(false));
            result[i] = SlotMatcher.Done([.. SlotMatcher.Needed(slots.Kind).Select(k => firsts.FirstOrDefault(r => r.Kind == k))]);
        }

        return result;
    }

    /// <summary>The first stored instant at or after <paramref name="instant"/> (stored instants are whole microseconds).</summary>
    private static DateTimeOffset Up(DateTimeOffset instant)
    {
        var down = Instants.Stored(instant);
        return down.UtcTicks == instant.UtcTicks || instant.UtcTicks > DateTimeOffset.MaxValue.UtcTicks - 10 ? down : down.AddTicks(10);
    }

    private List<Reading> Counted(List<Reading> read)
    {
        Interlocked.Increment(ref statements);
        Interlocked.Add(ref readings, read.Count);
        return read;
    }
}
