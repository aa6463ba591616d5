using System.Data.Common;
using System.Globalization;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Monitoring.Protocols;
using Dapper;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>One change to a patient's stored data: the readings of one source replaced (none: retracted), or a scale's timeline rewritten.</summary>
internal abstract record CourseChange;

internal sealed record SourceReplaced(string Type, string Id, IReadOnlyList<Reading> Readings) : CourseChange;

internal sealed record TimelineRewritten(Scale Scale, IReadOnlyList<(DateTimeOffset At, int? Grade)> Points) : CourseChange;

/// <summary>One step of a generated course: the changes that arrive, then a refresh at <see cref="Now"/> by <see cref="Actor"/>.</summary>
internal sealed record CourseStep(DateTimeOffset Now, string Actor, IReadOnlyList<CourseChange> Changes);

/// <summary>
/// Generated tarlatamab courses for the bounded-refresh property: a C1D1 dose (its start later corrected), sometimes a
/// second dose that opens an overlapping window and may be retracted, wearable-dense temperature and SpO2 with sparser
/// blood pressures (so slots are done, missed and overdue), late, future-dated, tied and retracted readings, neuro
/// checks whose ICE drops (some without a score), and grade timelines rewritten with grades rising before and inside the
/// windows. Deterministic per seed.
/// </summary>
internal static class BoundedRefreshCourse
{
    public const string Patient = "p-course";

    public static readonly ProtocolCatalog Catalog = new(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US");

    public static MonitoringProcessor Processor(MonitoringReads reads) =>
        new(Catalog, Options.Create(new MonitoringSettings()), new WakeUps(), reads);

    public static IReadOnlyList<CourseStep> Generate(int seed)
    {
        var random = new Random(seed);
        var dose = new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 600)).AddTicks(10 * random.Next(0, 1_000_000));
        var steps = new List<CourseStep>();
        var sources = new List<(string Type, string Id)>();
        var next = 0;
        string Id(string prefix) => $"{prefix}-{next++:D5}";
        Reading R(ReadingKind kind, DateTimeOffset at, string type, string id, string? code = null, string? qualifier = null, string? detail = null, DateTimeOffset? end = null, int sequence = 0) =>
            new() { PatientId = Patient, Kind = kind, EffectiveAt = Instants.Stored(at), EndAt = end, Code = code, Qualifier = qualifier, Detail = ReadingDetail.Of(detail), Source = new ReadingSource(type, id, 1), Sequence = sequence };
        SourceReplaced One(ReadingKind kind, DateTimeOffset at, string? detail = null)
        {
            var id = Id(kind.ToString());
            sources.Add(("Observation", id));
            return new SourceReplaced("Observation", id, [R(kind, at, "Observation", id, detail: detail)]);
        }

        SourceReplaced Administration(string id, DateTimeOffset start) =>
            new("MedicationAdministration", id, [R(ReadingKind.Medication, start, "MedicationAdministration", id, "tarlatamab", "protocol-drug", end: Instants.Stored(start.AddHours(1)))]);

        string Ice() => random.Next(10) switch
        {
            0 => "{}",
            1 => """{"orientationYear": true, "orientationMonth": true, "orientationCity": true, "orientationHospital": true, "namingCount": 3, "followsCommands": true, "writesSentence": true, "countsBackwards": true}""",
            _ => string.Create(CultureInfo.InvariantCulture, $$"""{"iceScore": {{random.Next(5, 11)}}}"""),
        };

        // Before the dose: some history (a neuro check and a grade that the "one before" comparisons need).
        var start = dose.AddHours(-6);
        steps.Add(new CourseStep(start, Actors.Ingest,
        [
            One(ReadingKind.NeuroCheck, start.AddMinutes(10), """{"iceScore": 10}"""),
            One(ReadingKind.Temperature, start.AddMinutes(20)),
            new TimelineRewritten(Scale.Crs, [(start.AddMinutes(30), 1), (start.AddMinutes(90), 0)]),
        ]));
        steps.Add(new CourseStep(dose, Actors.Ingest, [Administration("dose-1", dose)]));

        var secondDose = random.Next(2) == 0 ? dose.AddHours(random.Next(6, 20)).AddMinutes(random.Next(60)) : (DateTimeOffset?)null;
        var correction = dose.AddHours(random.Next(1, 14));
        var now = dose;
        var previous = dose;
        var end = dose.AddHours(52);
        while (now < end)
        {
            now = now.AddMinutes(random.Next(5, 50)).AddTicks(10 * random.Next(0, 100_000));
            var changes = new List<CourseChange>();
            var dense = random.Next(4) != 0; // the wearable was on
            for (var t = previous.AddMinutes(1); dense && t <= now; t = t.AddMinutes(1))
            {
                if (random.Next(6) != 0)
                {
                    changes.Add(One(ReadingKind.Spo2, t));
                }

                if ((t - dose).Ticks / TimeSpan.TicksPerMinute % 2 == 0 && random.Next(5) != 0)
                {
                    changes.Add(One(ReadingKind.Temperature, t));
                }
            }

            if (random.Next(3) == 0)
            {
                var at = previous + ((now - previous) * random.NextDouble());
                changes.Add(One(ReadingKind.SystolicBp, at));
                if (random.Next(2) == 0) // with a neuro check at the same instant: an ICE drop's trigger there ends a slot's span at it
                {
                    changes.Add(One(ReadingKind.Spo2, at));
                    changes.Add(One(ReadingKind.Temperature, at));
                    changes.Add(One(ReadingKind.NeuroCheck, at, Ice()));
                }
            }

            if (random.Next(5) == 0)
            {
                changes.Add(One(ReadingKind.NeuroCheck, previous + ((now - previous) * random.NextDouble()), Ice()));
            }

            if (random.Next(7) == 0) // late: hours after it was taken
            {
                var kind = random.Next(4) switch { 0 => ReadingKind.Temperature, 1 => ReadingKind.SystolicBp, 2 => ReadingKind.Spo2, _ => ReadingKind.NeuroCheck };
                changes.Add(One(kind, now.AddMinutes(-random.Next(30, 600)), kind == ReadingKind.NeuroCheck ? Ice() : null));
            }

            if (random.Next(12) == 0) // the device clock ahead of ours
            {
                changes.Add(One(ReadingKind.SystolicBp, now.AddMinutes(random.Next(1, 40))));
            }

            if (random.Next(8) == 0 && changes.OfType<SourceReplaced>().LastOrDefault() is { } tied) // another source at the same instant
            {
                changes.Add(One(tied.Readings[0].Kind, tied.Readings[0].EffectiveAt, tied.Readings[0].Detail?.Json));
            }

            if (random.Next(6) == 0 && sources.Count > 0) // entered in error
            {
                var (type, id) = sources[random.Next(sources.Count)];
                changes.Add(new SourceReplaced(type, id, []));
            }

            var calm = now >= dose.AddHours(20) && now < dose.AddHours(24.5); // no toxicity around the first window's minimum
            if (calm && previous < dose.AddHours(20))
            {
                changes.Add(new TimelineRewritten(Scale.Crs, [(Instants.Stored(dose.AddHours(2)), 1), (Instants.Stored(dose.AddHours(19)), 0)]));
                changes.Add(new TimelineRewritten(Scale.Icans, [(Instants.Stored(dose.AddHours(3)), 0)]));
            }

            if (!calm && random.Next(6) == 0)
            {
                var scale = random.Next(2) == 0 ? Scale.Crs : Scale.Icans;
                var points = new List<(DateTimeOffset, int?)>();
                for (var at = dose.AddHours(-3).AddMinutes(random.Next(120)); at < now; at = at.AddMinutes(random.Next(20, 400)))
                {
                    points.Add((Instants.Stored(at), random.Next(6) == 0 ? null : random.Next(0, 3)));
                }

                if (random.Next(3) != 0) // mostly resolved by now, so a window can reach "eligible for discharge"
                {
                    points.Add((Instants.Stored(now.AddMinutes(-random.Next(1, 20))), 0));
                    points = [.. points.DistinctBy(p => p.Item1).OrderBy(p => p.Item1)];
                }

                changes.Add(new TimelineRewritten(scale, points));
            }

            if (previous < correction && now >= correction) // the dose's start corrected: the windows move, slots kept
            {
                changes.Add(Administration("dose-1", dose.AddMinutes(random.Next(-50, 50))));
            }

            if (secondDose is { } second && previous < second && now >= second)
            {
                changes.Add(Administration("dose-2", second));
            }

            if (secondDose is { } s2 && now > s2.AddHours(3) && random.Next(25) == 0)
            {
                changes.Add(new SourceReplaced("MedicationAdministration", "dose-2", []));
            }

            steps.Add(new CourseStep(now, random.Next(3) == 0 ? Actors.Scheduler : Actors.Ingest, changes));
            previous = now;
        }

        return steps;
    }

    /// <summary>Applies the changes, then refreshes; returns what the refresh recorded (normalised).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(Database database, MonitoringProcessor processor, CourseStep step) =>
        await database.InTransactionAsync(async (c, tx) =>
        {
            foreach (var change in step.Changes)
            {
                switch (change)
                {
                    case SourceReplaced s:
                        await ReadingStore.ReplaceAsync(c, tx, s.Type, s.Id, s.Readings, newSource: false, default);
                        break;
                    case TimelineRewritten t:
                        // The store replaces every scale's timeline at once: the other scale's points and episodes are written back as they were.
                        var points = t.Points.Select(p => new GradePointRow(Patient, t.Scale, p.At, "graded", p.Grade, null, "{}", "{}", step.Now))
                            .Concat((await GradeStore.TimelineAsync(c, Patient, null, null, null, default)).Where(p => p.Scale != t.Scale))
                            .ToList();
                        var episodes = Episodes(t.Scale, t.Points).Concat((await GradeStore.EpisodesAsync(c, Patient, default)).Where(e => e.Scale != t.Scale)).ToList();
                        await TimelineWriteBack.ReplaceAsync(c, tx, Patient, DateTimeOffset.MinValue, points, episodes, [], default);
                        break;
                    default:
                        throw new InvalidOperationException(change.ToString());
                }
            }

            var recorded = (await processor.RefreshAsync(c, tx, Patient, await PatientSnapshot.LoadAsync(c, tx, Patient, step.Now, default), step.Now, step.Actor, default)).Recorded;
            var slots = await SlotKeysAsync(c, tx);
            // Sorted: windows opening at the same instant are processed in the order of their (random) ids.
            return (IReadOnlyList<string>)[.. recorded.Select(e => $"{e.Kind} {Keyed(e.DedupeKey, slots)} {e.OccurredAt:O} {e.RecordedBy}").Order(StringComparer.Ordinal)];
        }, default);

    /// <summary>
    /// What the refresh stored, without the generated ids: doses by administration, windows by (protocol window,
    /// created at), slots by (window, kind, due), events by (window, slot, dedupe key).
    /// </summary>
    public static async Task<IReadOnlyList<string>> StoredAsync(Database database)
    {
        await using var c = await database.OpenAsync(default);
        var slots = await SlotKeysAsync(c, null);
        var rows = new List<string>();
        rows.AddRange((await c.QueryAsync<object>(
            """
            SELECT administration_id, drug_key, started_at, ended_at, protocol_id, cycle, day, sequence_basis, extended_monitoring,
                   extended_reason, confirmation_required FROM monitoring_dose WHERE patient_id = @P
            """, new { P = Patient })).Select(r => "dose " + Row((object)r)));
        rows.AddRange((await c.QueryAsync<object>(
            """
            SELECT protocol_window_id, created_at, setting, anchor, opens_at, earliest_end_at, latest_end_at, extended, state, closed_at,
                   next_wake_at FROM monitoring_window WHERE patient_id = @P
            """, new { P = Patient })).Select(r => "window " + Row((object)r)));
        rows.AddRange((await c.QueryAsync<object>(
            """
            SELECT w.protocol_window_id, w.created_at, s.kind, s.due_at, s.overdue_at, s.basis, s.state, s.done_at, s.done_by
            FROM check_slot s JOIN monitoring_window w ON w.id = s.window_id WHERE w.patient_id = @P
            """, new { P = Patient })).Select(r => "slot " + Row((object)r)));
        rows.AddRange((await c.QueryAsync<EventDump>(
            """
            SELECT w.protocol_window_id AS WindowKey, e.slot_id AS SlotId, e.kind AS Kind, e.dedupe_key AS DedupeKey, e.occurred_at AS OccurredAt,
                   e.recorded_at AS RecordedAt, e.recorded_by AS RecordedBy, e.operational AS Operational, e.detail AS Detail
            FROM monitoring_event e JOIN monitoring_window w ON w.id = e.window_id WHERE e.patient_id = @P
            """, new { P = Patient })).Select(e =>
                $"event {e.WindowKey} {(e.SlotId is null ? "-" : slots[e.SlotId])} {e.Kind} {Keyed(e.DedupeKey, slots)} {e.OccurredAt:O} {e.RecordedAt:O} {e.RecordedBy} {e.Operational} {e.Detail}"));
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    private static async Task<Dictionary<string, string>> SlotKeysAsync(DbConnection c, DbTransaction? tx) =>
        (await c.QueryAsync<SlotKey>(
            """
            SELECT s.id AS Id, w.protocol_window_id AS WindowKey, s.kind AS Kind, s.due_at AS DueAt
            FROM check_slot s JOIN monitoring_window w ON w.id = s.window_id
            WHERE w.patient_id = @P
            """, new { P = Patient }, tx)).ToDictionary(s => s.Id, s => $"{s.WindowKey}/{s.Kind}/{s.DueAt:O}", StringComparer.Ordinal);

    private static string Keyed(string dedupeKey, Dictionary<string, string> slots) =>
        slots.Aggregate(dedupeKey, (key, slot) => key.Replace(slot.Key, slot.Value, StringComparison.Ordinal));

    private static string Row(object row) =>
        string.Join(" | ", ((IDictionary<string, object?>)row).Values.Select(v => v switch
        {
            null => "null",
            DateTime d => d.ToString("O", CultureInfo.InvariantCulture),
            DateTimeOffset o => o.ToString("O", CultureInfo.InvariantCulture),
            _ => Convert.ToString(v, CultureInfo.InvariantCulture),
        }));

    /// <summary>Episodes of a rewritten timeline: each run of grade ≥ 1, resolved at the next grade 0.</summary>
    private static List<EpisodeRow> Episodes(Scale scale, IReadOnlyList<(DateTimeOffset At, int? Grade)> points)
    {
        var episodes = new List<EpisodeRow>();
        (DateTimeOffset Onset, int Max, DateTimeOffset MaxAt)? open = null;
        foreach (var (at, grade) in points)
        {
            if (grade >= 1)
            {
                open = open is { } o ? (o.Onset, Math.Max(o.Max, grade.Value), grade > o.Max ? at : o.MaxAt) : (at, grade.Value, at);
            }
            else if (grade == 0 && open is { } o)
            {
                episodes.Add(new EpisodeRow(Patient, scale, o.Onset, o.Max, o.MaxAt, at, "[]"));
                open = null;
            }
        }

        if (open is { } last)
        {
            episodes.Add(new EpisodeRow(Patient, scale, last.Onset, last.Max, last.MaxAt, null, "[]"));
        }

        return episodes;
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class SlotKey
    {
        public string Id { get; set; } = "";
        public string WindowKey { get; set; } = "";
        public string Kind { get; set; } = "";
        public DateTimeOffset DueAt { get; set; }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class EventDump
    {
        public string WindowKey { get; set; } = "";
        public string? SlotId { get; set; }
        public string Kind { get; set; } = "";
        public string DedupeKey { get; set; } = "";
        public DateTimeOffset OccurredAt { get; set; }
        public DateTimeOffset RecordedAt { get; set; }
        public string RecordedBy { get; set; } = "";
        public long Operational { get; set; }
        public string Detail { get; set; } = "";
    }
}
