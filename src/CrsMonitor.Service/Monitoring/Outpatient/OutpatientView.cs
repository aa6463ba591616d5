using System.Data.Common;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>
/// A window's caregiver and proximity attestation: <c>state</c> is <c>not-required</c>, <c>missing</c> (the window
/// requires a caregiver and none is recorded yet) or <c>recorded</c> (the latest attestation's fields follow).
/// </summary>
public sealed record AttestationView(
    bool Required, int? MaxTravelMinutes, string State, string? CaregiverName, string? CaregiverRelationship, string? CaregiverPhone,
    int? TravelMinutes, string? Reason, DateTimeOffset? AttestedAt, string? AttestedBy, string? Role);

/// <summary>A window's pre-fever watch as the status and census show it (<see cref="PreFeverWatch.StateOf"/>); lead: fever − first breach, minutes.</summary>
public sealed record PreFeverWatchView(
    string WindowId, WatchState State, string? BaselineSource, DateTimeOffset? BaselineFrom, DateTimeOffset? BaselineTo, int BaselineCount,
    decimal? BaselineMean, decimal? BaselineSd, decimal? Threshold, DateTimeOffset? FirstBreachAt, DateTimeOffset? RaisedAt, DateTimeOffset? FeverAt,
    double? LeadMinutes);

/// <summary>What the status and census show of outpatient monitoring: the patient's current setting and the watches.</summary>
public sealed record OutpatientStatus(string? Setting, bool Outpatient, PreFeverWatchView? PreFeverWatch, IReadOnlyList<PreFeverWatchView> PreFeverWatches);

public static class OutpatientView
{
    /// <summary>
    /// Whether a window requires a caregiver and how far the patient may be: its protocol window's <c>caregiverRequired</c>
    /// and <c>maxTravelMinutes</c>; a window a physician moved home (its protocol window is not a home window) requires a
    /// caregiver, with the protocol window's travel limit if it has one.
    /// </summary>
    public static (bool Required, int? MaxTravelMinutes) Requirement(WindowRow window, ProtocolCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(catalog);
        var protocol = window.ProtocolId is { } id ? catalog.Find(id)?.Protocol : null;
        var own = protocol?.Windows.FirstOrDefault(w => w.Id == window.ProtocolWindowId);
        var extended = protocol?.ExtendedMonitoring?.Windows.FirstOrDefault(w => w.Id == window.ProtocolWindowId);
        var (required, travel, setting) = own is not null ? (own.CaregiverRequired, own.MaxTravelMinutes, (WindowSetting?)own.Setting)
            : extended is not null ? (extended.CaregiverRequired, extended.MaxTravelMinutes, (WindowSetting?)extended.Setting)
            : (false, (int?)null, (WindowSetting?)null);
        var movedHome = window.Setting == WindowSetting.Home && setting != WindowSetting.Home;
        return (required || movedHome, travel);
    }

    public static AttestationView Attestation(WindowRow window, ProtocolCatalog catalog, IReadOnlyList<AttestationRow> attestations)
    {
        ArgumentNullException.ThrowIfNull(attestations);
        var (required, travel) = Requirement(window, catalog);
        var latest = attestations.Where(a => a.WindowId == window.Id).MaxBy(a => a.AttestedAt);
        var state = latest is not null ? "recorded" : required ? "missing" : "not-required";
        return new AttestationView(
            required, travel, state, latest?.CaregiverName, latest?.CaregiverRelationship, latest?.CaregiverPhone, latest?.TravelMinutes,
            latest?.Reason, latest?.AttestedAt, latest?.AttestedBy, latest?.Role);
    }

    /// <summary>
    /// The patient's current setting: of the windows running now (opened, not closed, completed or superseded), the one
    /// opened last that has staff or is at home; else a proximity window; null when none runs.
    /// </summary>
    public static string? CurrentSetting(IEnumerable<WindowView> windows, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var running = windows.Where(w => w.State is not ("closed" or "completed" or "superseded" or "upcoming") && w.OpensAt <= now).ToList();
        return (running.Where(w => w.Setting != MonitoringSettingKind.Proximity).MaxBy(w => w.OpensAt) ?? running.MaxBy(w => w.OpensAt))?.Setting;
    }

    public static async Task<OutpatientStatus> ReadAsync(
        DbConnection c, string patientId, IReadOnlyList<WindowView> windows, PreFeverWatchSettings settings, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(settings);
        var setting = CurrentSetting(windows, now);
        var rows = await OutpatientStore.WatchesAsync(c, null, patientId, ct).ConfigureAwait(false);
        var visible = windows.ToDictionary(w => w.Id, StringComparer.Ordinal);
        var watches = rows.Where(r => visible.ContainsKey(r.WindowId))
            .OrderByDescending(r => visible[r.WindowId].OpensAt)
            .Select(r => View(r, settings))
            .ToList();
        var running = windows.Where(w => w.State is not ("closed" or "completed" or "superseded")).Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
        var current = watches.FirstOrDefault(w => running.Contains(w.WindowId));
        return new OutpatientStatus(setting, MonitoringSettingKind.IsOutpatient(setting), current, watches);
    }

    public static PreFeverWatchView View(WatchRow row, PreFeverWatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new PreFeverWatchView(
            row.WindowId, PreFeverWatch.StateOf(row, settings), row.BaselineSource, row.BaselineFrom, row.BaselineTo, row.BaselineCount,
            row.BaselineMean, row.BaselineSd, row.Threshold, row.FirstBreachAt, row.RaisedAt, row.FeverAt,
            row.FeverAt is { } fever && row.FirstBreachAt is { } breach ? (fever - breach).TotalMinutes : null);
    }
}
