using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Monitoring.Outpatient;

namespace CrsMonitor.Service.VirtualWard;

/// <summary>
/// The virtual ward's order (pure): patients with an alert nobody has acknowledged first, then acknowledged alerts, then
/// a data gap, then a raised pre-fever watch, then the rest; within each, by name and id.
/// </summary>
public static class WardOrder
{
    public static IReadOnlyList<VirtualWardRow> MostUrgentFirst(IEnumerable<VirtualWardRow> rows) =>
        [.. rows.OrderBy(Rank).ThenBy(r => r.DisplayName, StringComparer.Ordinal).ThenBy(r => r.PatientId, StringComparer.Ordinal)];

    private static int Rank(VirtualWardRow row) =>
        row.Alerts.Any(a => a.State == AlertState.Raised.Code()) ? 0
        : row.Alerts.Count > 0 ? 1
        : row.NoData is not null ? 2
        : row.PreFeverWatch is { State: WatchState.Raised } ? 3
        : 4;
}
