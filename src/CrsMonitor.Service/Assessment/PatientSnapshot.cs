using System.Data.Common;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Devices;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// What the pass reads of the patient once grading has written, for the monitoring refresh, the device streams and the
/// alert rules: the episodes, the protocol doses, whether any window was ever opened, the grade point in force of each
/// scale, the unit, the patient's alerts and the running enrolments' streams. One command of seven statements, each its
/// feature's own constant and mapping: one round trip on PostgreSQL and SQL Server instead of seven (on SQLite the same
/// statements, compiled once as one command). It stays true for the rest of the pass: of the tables it reads, the pass
/// writes only the doses (monitoring syncs them from it and hands on its own list) and the alerts (the rules, last).
/// </summary>
public sealed record PatientSnapshot(
    IReadOnlyList<EpisodeSpan> Episodes,
    List<DoseRow> Doses,
    bool HasWindows,
    IReadOnlyList<GradePointRow> Points,
    string Unit,
    List<AlertRow> Alerts,
    IReadOnlyList<StreamRow> Streams)
{
    /// <summary>
    /// The statements, in the order they are read back, joined by <c>;</c>, by which the writer counts statements
    /// (<c>SqlScriptTests</c>: no statement constant holds one inside a literal or a comment).
    /// </summary>
    private const string Reads =
        MonitoringStore.EpisodesOfPatient + ";\n" +
        MonitoringStore.DosesOfPatient + ";\n" +
        MonitoringStore.CountWindows + ";\n" +
        GradeStore.CurrentPoints + ";\n" +
        PatientStore.UnitsOfPatient + ";\n" +
        AlertStore.OfPatient + ";\n" +
        DeviceStore.ActiveStreamsOfPatient;

    /// <summary>Reads the snapshot of <paramref name="patientId"/> at <paramref name="now"/> (the caller holds the patient's lock).</summary>
    public static async Task<PatientSnapshot> LoadAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var args = new { PatientId = patientId, At = now, Status = PatientStore.InProgress };
        using var grid = await c.QueryMultipleAsync(Dialect.Command(c, tx, Reads, args, ct)).ConfigureAwait(false);
        var episodes = await MonitoringStore.EpisodesAsync(grid).ConfigureAwait(false);
        var doses = await MonitoringStore.DosesAsync(grid).ConfigureAwait(false);
        var hasWindows = await MonitoringStore.HasWindowsAsync(grid).ConfigureAwait(false);
        var points = await GradeStore.CurrentAsync(grid).ConfigureAwait(false);
        var unit = AlertUnit.Of(await grid.ReadAsync<string>().ConfigureAwait(false));
        var alerts = await AlertStore.OfPatientAsync(grid).ConfigureAwait(false);
        var streams = await DeviceStore.ActiveStreamsAsync(grid).ConfigureAwait(false);
        return new PatientSnapshot(episodes, doses, hasWindows, points, unit, alerts, streams);
    }
}
