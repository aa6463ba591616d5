using System.Data.Common;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// A pass over the patients whose due instant has come, for what must happen when nothing arrives (a round that settles,
/// a device stream that falls silent): the instant is a row column written in the transaction of the write that moved
/// it (durable across restarts), looked at every <see cref="CheckEvery"/> on the host's <see cref="TimeProvider"/> and
/// once at start-up for what fell due while the service was down. Per patient, in one transaction under the patient's
/// lock, <see cref="ClaimAsync"/> asks again whether it is still due (another node's pass or a write may have moved it)
/// and, when it is, the patient pass (<see cref="PatientWork"/>) runs at "now". Idempotent, safe on every node.
/// </summary>
public abstract partial class DuePatientPass(Database database, PatientWork work, TimeProvider time, ILogger logger) : PeriodicPass(time, logger)
{
    /// <summary>How often the pass looks for patients due: the most its effect comes after the instant.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    protected override TimeSpan Interval => CheckEvery;

    /// <summary>Who runs the patient pass (<see cref="Monitoring.Schedule.Actors"/>).</summary>
    protected abstract string Actor { get; }

    /// <summary>The patients due at <paramref name="now"/>.</summary>
    protected abstract Task<IReadOnlyList<string>> DueAsync(DbConnection connection, DateTimeOffset now, CancellationToken ct);

    /// <summary>Under the patient's lock: whether the patient is still due at <paramref name="now"/> (claiming it if the pass must).</summary>
    protected abstract Task<bool> ClaimAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset now, CancellationToken ct);

    protected override Task RunPassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>Runs the patient pass for every patient due at "now"; returns how many ran.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        IReadOnlyList<string> due;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            due = await DueAsync(connection, Time.GetUtcNow(), ct).ConfigureAwait(false);
        }

        var ran = 0;
        foreach (var patientId in due)
        {
            var done = await database.InTransactionAsync(async (c, tx) =>
            {
                var now = Time.GetUtcNow();
                var pass = await work.RunAsync(c, tx, patientId, readingsFrom: null, now, Actor, ct, () => ClaimAsync(c, tx, patientId, now, ct)).ConfigureAwait(false);
                if (pass is not null)
                {
                    LogRan(Logger, Actor, patientId, pass.Alerts.Count);
                }

                return pass is not null;
            }, ct).ConfigureAwait(false);
            ran += done ? 1 : 0;
        }

        return ran;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Actor}: the pass of patient {PatientId} ran, {Changed} alerts raised or updated")]
    private static partial void LogRan(ILogger logger, string actor, string patientId, int changed);
}
