using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Readings;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>Who is processing a patient's monitoring: ingest, a clinician's action, a Quartz wake-up, the watchdog.</summary>
public static class Actors
{
    public const string Ingest = "ingest";
    public const string Clinician = "clinician";
    public const string Scheduler = "scheduler";
    public const string SchedulerRecovery = "scheduler-recovery";
    public const string Watchdog = "watchdog";
    public const string RoundSettle = "round-settle";
    public const string DeviceGap = "device-gap";
}

/// <summary>
/// The one place a patient's monitoring state is brought up to date, at "now", inside the caller's transaction (under
/// the patient's lock): doses from the protocol-drug administrations, each dose's place in the step-up sequence, the
/// windows of its protocol, each window's check slots, which slots were done, and the monitoring events that are due
/// (check overdue, eligible for discharge, maximum passed). Every step is idempotent (events by a unique key), so it
/// may run any number of times for the same instant (ingest, Quartz, a recovered Quartz firing, the watchdog) with one
/// effect. What it computes as each window's next wake-up goes to <see cref="WakeUps"/> for Quartz, after the caller
/// commits.
/// </summary>
public sealed class MonitoringProcessor(ProtocolCatalog catalog, IOptions<MonitoringSettings> options, WakeUps wakes, MonitoringReads reads)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly MonitoringSettings settings = options.Value;
    private readonly TimeZoneInfo zone = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>
    /// Brings the patient's monitoring up to date at <paramref name="now"/>; returns the monitoring as it left it (the
    /// alert rules read it in the same pass instead of loading it again) with the events this call recorded. It
    /// reads a bounded part of the patient's readings (<see cref="BoundedMonitoringReads"/>): the protocol-drug
    /// administrations, the grade steps and neuro checks of the open windows, and the first vital signs of each slot.
    /// The caller holds the patient's lock (<see cref="Assessment.PatientWork"/>) and read <paramref name="snapshot"/> under it:
    /// the episodes, the stored doses and whether any window was opened come from there.
    /// </summary>
    public async Task<MonitoringState> RefreshAsync(
        DbConnection c, DbTransaction tx, string patientId, Assessment.PatientSnapshot snapshot, DateTimeOffset now, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var episodes = snapshot.Episodes;
        var administrations = await reads.AdministrationsAsync(c, tx, patientId, ct).ConfigureAwait(false);
        var doses = await SyncDosesAsync(c, tx, patientId, administrations, snapshot.Doses, episodes, now, ct).ConfigureAwait(false);
        if (doses.Count == 0 && !snapshot.HasWindows)
        {
            // Never dosed with a protocol drug and no window opened by hand: nothing to monitor (and no decision, each being a window's).
            return new MonitoringState([], episodes, doses, []);
        }

        var decisions = await MonitoringStore.DecisionsAsync(c, tx, patientId, ct).ConfigureAwait(false);

        var windows = await SyncWindowsAsync(c, tx, patientId, doses, decisions, now, ct).ConfigureAwait(false);

        var slots = await MonitoringStore.OpenWindowSlotsAsync(c, tx, patientId, ct).ConfigureAwait(false);
        var inputs = await TriggerInputsAsync(c, tx, patientId, windows, slots, ct).ConfigureAwait(false);
        var eligibleBefore = await MonitoringStore.EligibleWindowIdsAsync(c, tx, patientId, ct).ConfigureAwait(false);
        var recorded = new List<EventRow>();
        foreach (var window in windows.Where(w => w.State == WindowState.Open))
        {
            var protocol = ProtocolOf(window, doses);
            // The schedule of the window's setting (issue 17): nurse settings the protocol's checks, home its checks.home (none
            // when absent: pending slots from before a move home are superseded), proximity none.
            var schedule = window.HasChecks ? protocol?.Checks.For(window.Setting) : null;
            var windowSlots = window.HasChecks && protocol is not null
                ? await SyncSlotsAsync(c, tx, window, protocol, schedule, slots.Where(s => s.WindowId == window.Id).ToList(), inputs, now, ct).ConfigureAwait(false)
                : [];
            await EventsAsync(c, tx, window, windowSlots, episodes, now, actor, recorded, ct).ConfigureAwait(false);
            var wake = NextWake(window, windowSlots, recorded, now, eligibleBefore.Contains(window.Id));
            if (window.Setting == WindowSetting.Proximity && now >= window.LatestEndAt)
            {
                window.State = WindowState.Completed;
                wake = null;
            }

            if (wake != window.NextWakeAt || window.State != WindowState.Open)
            {
                window.NextWakeAt = wake;
                await MonitoringStore.UpdateWindowAsync(c, tx, window, ct).ConfigureAwait(false);
            }

            wakes.Enqueue(new WindowWake(window.Id, window.State == WindowState.Open ? wake : null));
        }

        foreach (var gone in windows.Where(w => w.State != WindowState.Open))
        {
            wakes.Enqueue(new WindowWake(gone.Id, null));
        }

        // In the order the store reads them (MonitoringStore.WindowsAsync): a window opened now was added last.
        return new MonitoringState(recorded, episodes, doses, [.. windows.OrderBy(w => w.OpensAt).ThenBy(w => w.Id, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The grade steps and neuro checks the open windows' triggers and ICE slots need: from the earliest opening (or the
    /// earliest slot kept from before a window moved) to the latest end (or latest slot), so every trigger a plan or a
    /// slot's span looks at, and every neuro check an ICE slot's span holds, is in them.
    /// </summary>
    private async Task<TriggerInputs> TriggerInputsAsync(
        DbConnection c, DbTransaction tx, string patientId, IReadOnlyList<WindowRow> windows, IReadOnlyList<SlotRow> slots, CancellationToken ct)
    {
        var open = windows.Where(w => w.State == WindowState.Open && w.HasChecks).ToList();
        if (open.Count == 0)
        {
            return TriggerInputs.None;
        }

        var ids = open.Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
        var dues = slots.Where(s => ids.Contains(s.WindowId)).Select(s => s.DueAt).ToList();
        var from = open.Select(w => w.OpensAt).Concat(dues).Min();
        var to = open.Select(w => w.EndsAt).Concat(dues).Max();
        return await reads.TriggerInputsAsync(c, tx, patientId, from, to, ct).ConfigureAwait(false);
    }

    /// <summary>The local date of an instant in the hospital's zone (protocol effective dates are dates).</summary>
    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    private Protocol? ProtocolOf(WindowRow window, IReadOnlyList<DoseRow> doses)
    {
        if (window.ProtocolId is { } id && catalog.Find(id) is { } file)
        {
            return file.Protocol;
        }

        // A window opened by hand uses the check schedule of the patient's latest protocol dose, else the default protocol's.
        var latest = doses.Where(d => d.ProtocolId is not null && d.StartedAt <= window.OpensAt).MaxBy(d => d.StartedAt);
        return latest?.ProtocolId is { } latestId && catalog.Find(latestId) is { } latestFile
            ? latestFile.Protocol
            : catalog.ApplicableTo(catalog.DefaultDrug, LocalDate(window.OpensAt));
    }

    private async Task<List<DoseRow>> SyncDosesAsync(
        DbConnection c, DbTransaction tx, string patientId, IReadOnlyList<Reading> protocolDrugs, List<DoseRow> stored, IReadOnlyList<EpisodeSpan> episodes,
        DateTimeOffset now, CancellationToken ct)
    {
        var administrations = protocolDrugs
            .GroupBy(r => r.Source.ResourceId)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var doses = new List<DoseRow>();
        foreach (var dose in stored)
        {
            if (dose.AdministrationId is { } admin && !administrations.ContainsKey(admin))
            {
                await MonitoringStore.DeleteDoseAsync(c, tx, dose.Id, ct).ConfigureAwait(false);
                continue;
            }

            doses.Add(dose);
        }

        var before = doses.ToDictionary(d => d.Id, d => d.Copy(), StringComparer.Ordinal);
        foreach (var (adminId, reading) in administrations)
        {
            var existing = doses.FirstOrDefault(d => d.AdministrationId == adminId);
            if (existing is null)
            {
                existing = new DoseRow
                {
                    Id = Guid.NewGuid().ToString("N"), PatientId = patientId, DrugKey = reading.Code!, AdministrationId = adminId,
                    SequenceBasis = DoseBasis.History, RecordedAt = now,
                };
                doses.Add(existing);
            }

            existing.StartedAt = reading.EffectiveAt;
            existing.EndedAt = reading.EndAt;
        }

        foreach (var drug in doses.GroupBy(d => d.DrugKey, StringComparer.Ordinal))
        {
            var ordered = drug.OrderBy(d => d.StartedAt).ThenBy(d => d.RecordedAt).ToList();
            var sequencing = catalog.ApplicableTo(drug.Key, LocalDate(ordered[0].StartedAt));
            var places = sequencing is null
                ? ordered.Select(d => d.SequenceBasis == DoseBasis.Physician ? d.Place : null).ToList()
                : DoseSequence.Assign(sequencing, [.. ordered.Select(d => new SequencedDose(d.Id, d.StartedAt, d.SequenceBasis == DoseBasis.Physician ? d.Place : null))]);
            for (var i = 0; i < ordered.Count; i++)
            {
                var dose = ordered[i];
                var protocol = catalog.ApplicableTo(drug.Key, LocalDate(dose.StartedAt));
                dose.ProtocolId = protocol?.Id;
                dose.Cycle = places[i]?.Cycle;
                dose.Day = places[i]?.Day;
                var previous = i > 0 ? ordered[i - 1] : null;
                var extendedBy = protocol is null || previous is null ? null
                    : episodes.Where(e => e.MaxAt >= previous.StartedAt && e.MaxAt < dose.StartedAt)
                        .FirstOrDefault(e => protocol.ExtendsMonitoringAfter(TriggerOf(e.Scale), e.MaxGrade));
                dose.ExtendedMonitoring = extendedBy is null ? 0 : 1;
                dose.ExtendedReason = extendedBy is null ? null
                    : $"grade {extendedBy.MaxGrade} {extendedBy.Scale.Label()} at {Text(extendedBy.MaxAt)} after the previous dose ({previous!.Place?.ToString() ?? "place unknown"}): extended monitoring at this dose ({protocol!.ExtendedMonitoring!.Source})";
                dose.ConfirmationRequired = protocol is null ? null : ConfirmationReason(protocol, episodes, dose.StartedAt);
            }
        }

        foreach (var dose in doses)
        {
            if (!before.TryGetValue(dose.Id, out var old))
            {
                await MonitoringStore.InsertDoseAsync(c, tx, dose, ct).ConfigureAwait(false);
            }
            else if (!old.SameAs(dose))
            {
                await MonitoringStore.UpdateDoseAsync(c, tx, dose, ct).ConfigureAwait(false);
            }
        }

        return [.. doses.OrderBy(d => d.StartedAt)];
    }

    private async Task<List<WindowRow>> SyncWindowsAsync(
        DbConnection c, DbTransaction tx, string patientId, IReadOnlyList<DoseRow> doses, IReadOnlyList<DecisionRow> decisions,
        DateTimeOffset now, CancellationToken ct)
    {
        var windows = await MonitoringStore.WindowsAsync(c, tx, patientId, ct).ConfigureAwait(false);
        var doseIds = doses.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in windows.Where(w => w.DoseId is { } id && !doseIds.Contains(id) && w.State == WindowState.Open))
        {
            orphan.State = WindowState.Superseded;
            orphan.NextWakeAt = null;
            await MonitoringStore.UpdateWindowAsync(c, tx, orphan, ct).ConfigureAwait(false);
        }

        foreach (var dose in doses)
        {
            var protocol = dose.ProtocolId is { } pid ? catalog.Find(pid)?.Protocol : null;
            var entry = protocol is not null && dose.Place is { } place ? protocol.DoseAt(place.Cycle, place.Day) : null;
            var planned = entry is null ? [] : protocol!.WindowsOf(entry, dose.ExtendedMonitoring == 1);
            var mine = windows.Where(w => w.DoseId == dose.Id).ToList();
            var wanted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pw in planned)
            {
                if (pw.Anchor == WindowAnchor.End && dose.EndedAt is null)
                {
                    continue; // measured from the end of an infusion still running: planned when it ends
                }

                wanted.Add(pw.Id);
                var end = dose.EndedAt ?? dose.StartedAt;
                var opens = pw.After is { } after && planned.FirstOrDefault(p => p.Id == after) is { } first
                    ? first.EarliestEnd(dose.StartedAt, end)
                    : pw.AnchorAt(dose.StartedAt, end);
                var existing = mine.FirstOrDefault(w => w.ProtocolWindowId == pw.Id);
                var extension = existing is null ? TimeSpan.Zero : Extension(existing.Id, decisions);
                var earliest = pw.EarliestEnd(dose.StartedAt, end);
                var latest = pw.LatestEnd(dose.StartedAt, end) + extension;
                if (existing is null)
                {
                    var window = new WindowRow
                    {
                        Id = Guid.NewGuid().ToString("N"), PatientId = patientId, DoseId = dose.Id, ProtocolId = protocol!.Id,
                        ProtocolWindowId = pw.Id, Setting = pw.Setting, Anchor = Word(pw.Anchor), OpensAt = opens,
                        EarliestEndAt = earliest, LatestEndAt = latest, Extended = pw.Extended ? 1 : 0, Source = pw.Source,
                        State = WindowState.Open, CreatedAt = now, CreatedBy = "protocol",
                    };
                    await MonitoringStore.InsertWindowAsync(c, tx, window, ct).ConfigureAwait(false);
                    windows.Add(window);
                }
                else if (existing.State == WindowState.Superseded
                    || (existing.State == WindowState.Open && (existing.OpensAt != opens || existing.EarliestEndAt != earliest || existing.LatestEndAt != latest)))
                {
                    existing.State = existing.ClosedAt is null ? WindowState.Open : WindowState.Closed;
                    existing.OpensAt = opens;
                    existing.EarliestEndAt = earliest;
                    existing.LatestEndAt = latest;
                    await MonitoringStore.UpdateWindowAsync(c, tx, existing, ct).ConfigureAwait(false);
                }
            }

            foreach (var stale in mine.Where(w => !wanted.Contains(w.ProtocolWindowId) && w.State == WindowState.Open))
            {
                stale.State = WindowState.Superseded;
                stale.NextWakeAt = null;
                await MonitoringStore.UpdateWindowAsync(c, tx, stale, ct).ConfigureAwait(false);
            }
        }

        return windows;
    }

    private async Task<List<SlotRow>> SyncSlotsAsync(
        DbConnection c, DbTransaction tx, WindowRow window, Protocol protocol, CheckSchedule? schedule, List<SlotRow> existing, TriggerInputs inputs,
        DateTimeOffset now, CancellationToken ct)
    {
        var triggers = IntensificationTriggers(protocol, inputs.Grades, inputs.NeuroChecks);
        IReadOnlyList<PlannedSlot> plan = schedule is null ? [] : CheckPlanner.Plan(window.OpensAt, window.EndsAt, schedule, triggers);
        var byKey = existing.ToDictionary(s => (s.Kind, s.DueAt));
        var planned = new HashSet<(string, DateTimeOffset)>();
        foreach (var p in plan)
        {
            var key = (Word(p.Kind), p.DueAt);
            planned.Add(key);
            if (byKey.TryGetValue(key, out var slot))
            {
                if (slot.State == SlotState.Superseded)
                {
                    // Planned again (a patient moved back in, a retracted trigger): stored now, as the state pass below
                    // compares with this in-memory state and would otherwise leave the row superseded.
                    slot.State = SlotState.Pending;
                    await MonitoringStore.UpdateSlotAsync(c, tx, slot, ct).ConfigureAwait(false);
                }

                continue;
            }

            slot = new SlotRow
            {
                Id = Guid.NewGuid().ToString("N"), WindowId = window.Id, Kind = key.Item1, DueAt = p.DueAt, OverdueAt = p.OverdueAt,
                Basis = Word(p.Basis), State = SlotState.Pending,
            };
            if (await MonitoringStore.TryInsertSlotAsync(c, tx, slot, ct).ConfigureAwait(false))
            {
                existing.Add(slot);
                byKey[key] = slot;
            }
        }

        var live = new List<SlotRow>();
        foreach (var kind in Enum.GetValues<CheckKind>())
        {
            var word = Word(kind);
            var ofKind = existing.Where(s => s.Kind == word).OrderBy(s => s.DueAt).ToList();
            var keep = ofKind.Where(s => planned.Contains((s.Kind, s.DueAt)) || s.State is SlotState.Overdue || s.DoneAt is not null && s.State == SlotState.Done).ToList();
            var done = await reads.MatchAsync(
                c, tx, window.PatientId, new SlotsToMatch(kind, [.. keep.Select(s => s.DueAt)], window.OpensAt, settings.EarlyTolerance, triggers, window.EndsAt),
                inputs, ct).ConfigureAwait(false);
            for (var i = 0; i < keep.Count; i++)
            {
                var slot = keep[i];
                var (state, doneAt, doneBy) = done[i] is { } d
                    ? (SlotState.Done, (DateTimeOffset?)d.At, d.By)
                    : (now >= slot.OverdueAt ? SlotState.Overdue : SlotState.Pending, (DateTimeOffset?)null, (string?)null);
                if (state != slot.State || doneAt != slot.DoneAt || doneBy != slot.DoneBy)
                {
                    (slot.State, slot.DoneAt, slot.DoneBy) = (state, doneAt, doneBy);
                    await MonitoringStore.UpdateSlotAsync(c, tx, slot, ct).ConfigureAwait(false);
                }
            }

            foreach (var dropped in ofKind.Except(keep).Where(s => s.State != SlotState.Superseded))
            {
                dropped.State = SlotState.Superseded;
                await MonitoringStore.UpdateSlotAsync(c, tx, dropped, ct).ConfigureAwait(false);
            }

            live.AddRange(keep);
        }

        return [.. live.OrderBy(s => s.DueAt).ThenBy(s => s.Kind, StringComparer.Ordinal)];
    }

    private static async Task EventsAsync(
        DbConnection c, DbTransaction tx, WindowRow window, IReadOnlyList<SlotRow> slots, IReadOnlyList<EpisodeSpan> episodes,
        DateTimeOffset now, string actor, List<EventRow> recorded, CancellationToken ct)
    {
        foreach (var slot in slots.Where(s => s.OverdueAt <= now && (s.DoneAt is not { } done || done > s.OverdueAt)))
        {
            await RecordAsync(c, tx, window, slot.Id, EventKinds.CheckOverdue, $"{EventKinds.CheckOverdue}:{slot.Id}", slot.OverdueAt, now, actor,
                CheckOverdueDetail.Of(slot).ToJson(), recorded, ct).ConfigureAwait(false);
        }

        if (window.HasChecks && now >= window.EarliestEndAt && now < window.EndsAt && !episodes.Any(e => e.ActiveAt(now)))
        {
            var since = episodes.Where(e => e.ResolvedAt is { } r && r > window.EarliestEndAt && r <= now).Select(e => e.ResolvedAt!.Value).DefaultIfEmpty(window.EarliestEndAt).Max();
            await RecordAsync(c, tx, window, null, EventKinds.EligibleForDischarge, EventKinds.EligibleForDischarge, since, now, actor,
                JsonSerializer.Serialize(new { earliestEnd = window.EarliestEndAt, latestEnd = window.LatestEndAt }, Json), recorded, ct).ConfigureAwait(false);
        }

        if (window.HasChecks && now >= window.LatestEndAt && window.ClosedAt is null)
        {
            await RecordAsync(c, tx, window, null, EventKinds.MaximumPassed, $"{EventKinds.MaximumPassed}:{Text(window.LatestEndAt)}", window.LatestEndAt, now, actor,
                JsonSerializer.Serialize(new { latestEnd = window.LatestEndAt, activeEpisodes = episodes.Where(e => e.ActiveAt(now)).Select(e => e.Scale.Code()).ToList() }, Json), recorded, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Records an operational event (a late wake-up) against a window, once per wake-up instant.</summary>
    public static Task<bool> RecordLateAsync(DbConnection c, DbTransaction tx, DueWindow due, DateTimeOffset now, string actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(due);
        return MonitoringStore.TryInsertEventAsync(c, tx, new EventRow
        {
            PatientId = due.PatientId, WindowId = due.Id, Kind = EventKinds.ProcessedLate, DedupeKey = $"{EventKinds.ProcessedLate}:{Text(due.NextWakeAt)}",
            OccurredAt = due.NextWakeAt, RecordedAt = now, RecordedBy = actor, Operational = 1,
            Detail = JsonSerializer.Serialize(new { wakeAt = due.NextWakeAt, processedAt = now, lateBySeconds = (long)(now - due.NextWakeAt).TotalSeconds }, Json),
        }, ct);
    }

    private static async Task RecordAsync(
        DbConnection c, DbTransaction tx, WindowRow window, string? slotId, string kind, string key, DateTimeOffset occurredAt, DateTimeOffset now,
        string actor, string detail, List<EventRow> recorded, CancellationToken ct)
    {
        var row = new EventRow
        {
            PatientId = window.PatientId, WindowId = window.Id, SlotId = slotId, Kind = kind, DedupeKey = key, OccurredAt = occurredAt,
            RecordedAt = now, RecordedBy = actor, Operational = 0, Detail = detail,
        };
        if (await MonitoringStore.TryInsertEventAsync(c, tx, row, ct).ConfigureAwait(false))
        {
            recorded.Add(row);
        }
    }

    /// <summary>The next instant something of this window falls due: a slot's overdue time, the minimum, the maximum.</summary>
    private static DateTimeOffset? NextWake(WindowRow window, IReadOnlyList<SlotRow> slots, IReadOnlyList<EventRow> recorded, DateTimeOffset now, bool eligibleRecorded)
    {
        var candidates = slots.Where(s => s.DoneAt is null && s.OverdueAt > now).Select(s => s.OverdueAt).ToList();
        if (window.HasChecks && !eligibleRecorded && !recorded.Any(e => e.WindowId == window.Id && e.Kind == EventKinds.EligibleForDischarge) && window.EarliestEndAt > now)
        {
            candidates.Add(window.EarliestEndAt);
        }

        if (window.LatestEndAt > now && window.ClosedAt is null)
        {
            candidates.Add(window.LatestEndAt);
        }

        return candidates.Count == 0 ? null : candidates.Min();
    }

    /// <summary>Instants that start intensified checks: a grade rising to one that fires a trigger, or an ICE score lower than the previous one.</summary>
    public static IReadOnlyList<DateTimeOffset> IntensificationTriggers(Protocol protocol, IReadOnlyList<GradeStep> grades, IReadOnlyList<Reading> readings)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(grades);
        ArgumentNullException.ThrowIfNull(readings);
        var triggers = protocol.Checks.Intensification.Triggers;
        var result = new List<DateTimeOffset>();
        foreach (var scale in grades.GroupBy(g => g.Scale))
        {
            var previous = 0;
            foreach (var step in scale.OrderBy(g => g.At))
            {
                var grade = step.Grade ?? 0;
                if (grade > previous && triggers.Any(t => t.Fires(TriggerOf(scale.Key), grade)))
                {
                    result.Add(step.At);
                }

                previous = grade;
            }
        }

        if (triggers.Any(t => t.On == TriggerKind.IceDrop))
        {
            int? previousIce = null;
            foreach (var check in readings.Where(r => r.Kind == ReadingKind.NeuroCheck && r.Detail is not null).OrderBy(r => r.EffectiveAt))
            {
                if (IceScoreOf(check) is { } score)
                {
                    if (previousIce is { } before && score < before)
                    {
                        result.Add(check.EffectiveAt);
                    }

                    previousIce = score;
                }
            }
        }

        return [.. result.Distinct().Order()];
    }

    /// <summary>The ICE score a neuro check recorded (the items' total, else the score given), or null.</summary>
    internal static int? IceScoreOf(Reading check)
    {
        var parsed = check.Detail?.NeuroCheck;
        return parsed?.IceItems?.Total ?? parsed?.IceScore;
    }

    /// <summary>P07: a toxicity before the dose whose management text says "permanently discontinue" flags the dose for a physician.</summary>
    private static string? ConfirmationReason(Protocol protocol, IReadOnlyList<EpisodeSpan> episodes, DateTimeOffset doseStart)
    {
        foreach (var e in episodes.Where(e => e.MaxAt < doseStart))
        {
            if (protocol.ManagementFor(e.Scale, e.MaxGrade) is { } m && m.DoseActions.Contains(DoseAction.PermanentlyDiscontinue))
            {
                return $"grade {e.MaxGrade} {e.Scale.Label()} at {Text(e.MaxAt)}: \"{m.Text}\" ({protocol.Title}, {m.Source}); a physician must confirm this dose";
            }
        }

        return null;
    }

    private static TimeSpan Extension(string windowId, IReadOnlyList<DecisionRow> decisions) =>
        TimeSpan.FromHours((double)decisions.Where(d => d.WindowId == windowId && d.Action == "extended" && d.Hours is not null)
            .Sum(d => decimal.Parse(d.Hours!, NumberStyles.Number, CultureInfo.InvariantCulture)));

    private static TriggerKind TriggerOf(Scale scale) => scale == Scale.Crs ? TriggerKind.Crs : TriggerKind.Icans;

    private static string Text(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);

    public static string Word(CheckKind kind) => kind == CheckKind.VitalSigns ? "vital-signs" : "ice";

    private static string Word(SlotBasis basis) => basis == SlotBasis.Routine ? "routine" : "intensified";

    private static string Word(WindowAnchor anchor) => anchor.ToString().ToLowerInvariant();
}
