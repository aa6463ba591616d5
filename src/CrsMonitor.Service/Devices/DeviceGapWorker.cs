using System.Data.Common;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Devices;

/// <summary>
/// Finds the data gaps nothing arrives to reveal (issue 17): the patients with a device stream due
/// (<c>device_stream.due_at</c> ≤ now), each re-checked under its lock, get the patient pass, which recomputes the
/// instant (<see cref="DuePatientPass"/>).
/// </summary>
public sealed class DeviceGapWorker(Database database, PatientWork work, TimeProvider time, ILogger<DeviceGapWorker> logger)
    : DuePatientPass(database, work, time, logger)
{
    protected override string Actor => Actors.DeviceGap;

    protected override Task<IReadOnlyList<string>> DueAsync(DbConnection connection, DateTimeOffset now, CancellationToken ct) =>
        DeviceStore.DueAsync(connection, now, ct);

    protected override async Task<bool> ClaimAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset now, CancellationToken ct) =>
        await DeviceStore.FirstDueAsync(c, tx, patientId, ct).ConfigureAwait(false) is { } first && first <= now;
}
