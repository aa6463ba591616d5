using System.Data.Common;
using System.Text.Json;
using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>A dose as the status endpoint shows it.</summary>
public sealed record DoseView(
    string Id, string Drug, string? Place, int? Cycle, int? Day, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, bool InProgress,
    string? ProtocolId, string? ProtocolVersion, string SequenceBasis, bool ExtendedMonitoring, string? ExtendedReason,
    string? ConfirmationRequired, string? CorrectedBy, string? CorrectionReason, string? AdministrationId);

public sealed record DecisionView(string Action, string? Decision, decimal? Hours, string Reason, DateTimeOffset DecidedAt, string DecidedBy, string Role);

/// <summary>A window: its dose, anchor, earliest and latest end, and its state at "now".</summary>
public sealed record WindowView(
    string Id, string? DoseId, string? Dose, string? ProtocolId, string ProtocolWindowId, string Setting, string Anchor, DateTimeOffset OpensAt,
    DateTimeOffset EarliestEnd, DateTimeOffset LatestEnd, string State, bool Extended, string Source, DateTimeOffset? ClosedAt,
    DateTimeOffset? NextWakeAt, IReadOnlyList<DecisionView> Decisions, Outpatient.AttestationView? Attestation = null)
{
    /// <summary>Outpatient: home, observation clinic or proximity (<see cref="MonitoringSettingKind.IsOutpatient(string?)"/>).</summary>
    public bool Outpatient => MonitoringSettingKind.IsOutpatient(Setting);
}

public sealed record SlotView(string Id, string WindowId, string Check, DateTimeOffset DueAt, DateTimeOffset OverdueAt, string Basis, string State, DateTimeOffset? DoneAt, string? DoneBy);

/// <summary>The check schedule: the next due check (and of each kind), the overdue ones, and every slot of the open windows.</summary>
public sealed record ChecksView(
    DateTimeOffset? NextDue, DateTimeOffset? NextVitalSigns, DateTimeOffset? NextIce, IReadOnlyList<SlotView> Overdue, IReadOnlyList<SlotView> Slots);

public sealed record EventView(
    long Id, string WindowId, string? SlotId, string Kind, bool Operational, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, string RecordedBy, JsonElement Detail);

/// <summary>What the status endpoint shows of monitoring.</summary>
public sealed record MonitoringStatus(
    IReadOnlyList<DoseView> Doses, IReadOnlyList<WindowView> Windows, ChecksView Checks, IReadOnlyList<EventView> Events);

/// <summary>Reads the stored monitoring rows of a patient and describes them at "now" (read-only: the rows are kept current by <see cref="MonitoringProcessor"/>).</summary>
public static class MonitoringView
{
    public static async Task<MonitoringStatus> ReadAsync(DbConnection c, ProtocolCatalog catalog, string patientId, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var doses = await MonitoringStore.DosesAsync(c, null, patientId, ct).ConfigureAwait(false);
        var windows = await MonitoringStore.WindowsAsync(c, null, patientId, ct).ConfigureAwait(false);
        var decisions = await MonitoringStore.DecisionsAsync(c, null, patientId, ct).ConfigureAwait(false);
        var slots = await MonitoringStore.SlotsAsync(c, null, patientId, ct).ConfigureAwait(false);
        var events = await MonitoringStore.EventsAsync(c, null, patientId, ct).ConfigureAwait(false);
        var episodes = await MonitoringStore.EpisodesAsync(c, null, patientId, ct).ConfigureAwait(false);
        var attestations = await Outpatient.OutpatientStore.AttestationsAsync(c, null, patientId, ct).ConfigureAwait(false);

        var doseViews = doses.Select(d => new DoseView(
            d.Id, d.DrugKey, d.Place?.ToString(), d.Cycle, d.Day, d.StartedAt, d.EndedAt, d.EndedAt is null, d.ProtocolId,
            d.ProtocolId is { } pid ? catalog.Find(pid)?.Protocol.Version : null, d.SequenceBasis.Code(), d.ExtendedMonitoring == 1, d.ExtendedReason,
            d.ConfirmationRequired, d.CorrectedBy, d.CorrectionReason, d.AdministrationId)).ToList();
        var visible = windows.Where(w => w.State != WindowState.Superseded).ToList();
        var windowViews = visible.Select(w => new WindowView(
            w.Id, w.DoseId, doses.FirstOrDefault(d => d.Id == w.DoseId) is { } dose ? $"{dose.DrugKey} {dose.Place?.ToString() ?? "(place unknown)"}" : null,
            w.ProtocolId, w.ProtocolWindowId, w.SettingCode, w.Anchor, w.OpensAt, w.EarliestEndAt, w.LatestEndAt,
            StateAt(w, episodes, now), w.Extended == 1, w.Source, w.ClosedAt, w.NextWakeAt,
            [.. decisions.Where(d => d.WindowId == w.Id).Select(d => new DecisionView(
                d.Action, d.Decision, d.Hours is null ? null : decimal.Parse(d.Hours, System.Globalization.CultureInfo.InvariantCulture),
                d.Reason, d.DecidedAt, d.DecidedBy, d.Role))],
            Outpatient.OutpatientView.Attestation(w, catalog, attestations))).ToList();

        var open = visible.Where(w => w.State == WindowState.Open).Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
        var live = slots.Where(s => open.Contains(s.WindowId) && s.State != SlotState.Superseded)
            .Select(s => new SlotView(s.Id, s.WindowId, s.Kind, s.DueAt, s.OverdueAt, s.Basis, SlotStateAt(s, now).Code(), s.DoneAt, s.DoneBy))
            .ToList();
        var pending = live.Where(s => s.State == SlotState.Pending.Code()).ToList();
        var checks = new ChecksView(
            pending.Select(s => (DateTimeOffset?)s.DueAt).Min(),
            pending.Where(s => s.Check == "vital-signs").Select(s => (DateTimeOffset?)s.DueAt).Min(),
            pending.Where(s => s.Check == "ice").Select(s => (DateTimeOffset?)s.DueAt).Min(),
            [.. live.Where(s => s.State == SlotState.Overdue.Code())],
            live);
        var eventViews = events.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(100)
            .Select(e => new EventView(e.Id, e.WindowId, e.SlotId, e.Kind, e.Operational == 1, e.OccurredAt, e.RecordedAt, e.RecordedBy,
                JsonDocument.Parse(e.Detail).RootElement.Clone()))
            .ToList();
        return new MonitoringStatus(doseViews, windowViews, checks, eventViews);
    }

    /// <summary>
    /// A window's state at <paramref name="now"/>: <c>upcoming</c>, <c>active</c> (before the minimum),
    /// <c>eligible-for-discharge</c> (minimum reached, no CRS or ICANS active), <c>toxicity-active</c> (minimum reached, a
    /// CRS or ICANS episode ongoing), <c>maximum-passed</c> (no decision by the latest end), <c>closed</c> (a decision),
    /// <c>completed</c> (a proximity window at its end).
    /// </summary>
    public static string StateAt(WindowRow window, IReadOnlyList<EpisodeSpan> episodes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(episodes);
        return window.State switch
        {
            WindowState.Closed => "closed",
            WindowState.Superseded => "superseded",
            WindowState.Completed => "completed",
            _ when now < window.OpensAt => "upcoming",
            _ when !window.HasChecks => now >= window.LatestEndAt ? "completed" : "active",
            _ when now >= window.LatestEndAt => "maximum-passed",
            _ when now < window.EarliestEndAt => "active",
            _ when episodes.Any(e => e.ActiveAt(now)) => "toxicity-active",
            _ => "eligible-for-discharge",
        };
    }

    public static SlotState SlotStateAt(SlotRow slot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return slot.DoneAt is not null ? SlotState.Done : now >= slot.OverdueAt ? SlotState.Overdue : SlotState.Pending;
    }
}
