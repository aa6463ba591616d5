using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Alerts;

/// <summary>
/// Evaluates every alert condition of each patient whose round is due (<c>alert_round_settle.due_at</c>, a row:
/// durable across restarts), every <see cref="CheckEvery"/> on the host's <see cref="TimeProvider"/> and once at
/// start-up for what fell due while the service was down. Per patient, in one transaction under the patient's lock:
/// the row is read again (a write may have moved it), deleted, and the patient's pass (<see cref="PatientWork"/>) run at "now".
/// </summary>
public sealed partial class RoundSettleWorker(Database database, PatientWork work, TimeProvider time, ILogger<RoundSettleWorker> logger)
    : PeriodicPass(time, logger)
{
    /// <summary>How often the pass looks for due rounds: the most an alert waits beyond its round's settle.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    protected override TimeSpan Interval => CheckEvery;

    protected override Task RunPassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>Evaluates every round due at "now"; returns how many patients were evaluated.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        IReadOnlyList<string> due;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            due = await RoundSettleStore.DueAsync(connection, Time.GetUtcNow(), ct).ConfigureAwait(false);
        }

        var evaluated = 0;
        foreach (var patientId in due)
        {
            var done = await database.InTransactionAsync(async (c, tx) =>
            {
                var now = Time.GetUtcNow();
                DateTimeOffset? dueAt = null;
                var pass = await work.RunAsync(c, tx, patientId, readingsFrom: null, now, Actors.RoundSettle, ct, async () =>
                {
                    // Under the patient's lock: evaluated meanwhile (another pass, another node), or a new round moved it on?
                    dueAt = await RoundSettleStore.DueAtAsync(c, tx, patientId, ct).ConfigureAwait(false);
                    if (dueAt is null || dueAt > now)
                    {
                        return false;
                    }

                    await RoundSettleStore.ClearAsync(c, tx, patientId, ct).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
                if (pass is not null)
                {
                    LogSettled(logger, patientId, dueAt!.Value, pass.Alerts.Count);
                }

                return pass is not null;
            }, ct).ConfigureAwait(false);
            evaluated += done ? 1 : 0;
        }

        return evaluated;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Round of patient {PatientId} due at {DueAt:O} evaluated: {Changed} alerts raised or updated")]
    private static partial void LogSettled(ILogger logger, string patientId, DateTimeOffset dueAt, int changed);
}
