using System.Data.Common;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Evaluates every alert condition of each patient whose round is due (<c>alert_round_settle.due_at</c>): under the
/// patient's lock the row is read again (a write may have moved it) and deleted, and the patient's pass runs at "now"
/// (<see cref="DuePatientPass"/>).
/// </summary>
public sealed class RoundSettleWorker(Database database, PatientWork work, TimeProvider time, ILogger<RoundSettleWorker> logger)
    : DuePatientPass(database, work, time, logger)
{
    protected override string Actor => Actors.RoundSettle;

    protected override Task<IReadOnlyList<string>> DueAsync(DbConnection connection, DateTimeOffset now, CancellationToken ct) =>
        RoundSettleStore.DueAsync(connection, now, ct);

    protected override async Task<bool> ClaimAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset now, CancellationToken ct)
    {
        // Evaluated meanwhile (another pass, another node), or a new round moved it on?
        if (await RoundSettleStore.DueAtAsync(c, tx, patientId, ct).ConfigureAwait(false) is not { } dueAt || dueAt > now)
        {
            return false;
        }

        await RoundSettleStore.ClearAsync(c, tx, patientId, ct).ConfigureAwait(false);
        return true;
    }
}
