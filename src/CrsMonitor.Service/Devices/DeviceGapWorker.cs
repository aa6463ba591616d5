using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Devices;

/// <summary>
/// Finds the data gaps nothing arrives to reveal (issue 17): every <see cref="CheckEvery"/> on the host's
/// <see cref="TimeProvider"/>, and once at start-up for what fell due while the service was down, runs the patient pass
/// (<see cref="PatientWork"/>) for each patient with a stream due (<c>device_stream.due_at</c> ≤ now, a row written in
/// the transaction of the write that moved it: durable across restarts). Per patient, in one transaction under the
/// patient's lock: the due instant is read again (another node's pass or a write may have moved it meanwhile: then
/// nothing is done), and the pass recomputes it. Idempotent, safe on every node of a cluster.
/// </summary>
public sealed partial class DeviceGapWorker(Database database, PatientWork work, TimeProvider time, ILogger<DeviceGapWorker> logger)
    : PeriodicPass(time, logger)
{
    /// <summary>How often the pass looks for streams due: the most a gap's alert comes after the gap begins.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(5);

    protected override TimeSpan Interval => CheckEvery;

    protected override Task RunPassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>Runs the pass for every patient with a stream due at "now"; returns how many passes ran.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        IReadOnlyList<string> due;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            due = await DeviceStore.DueAsync(connection, Time.GetUtcNow(), ct).ConfigureAwait(false);
        }

        var ran = 0;
        foreach (var patientId in due)
        {
            var done = await database.InTransactionAsync(async (c, tx) =>
            {
                var now = Time.GetUtcNow();
                var pass = await work.RunAsync(c, tx, patientId, readingsFrom: null, now, Actors.DeviceGap, ct, async () =>
                    await DeviceStore.FirstDueAsync(c, tx, patientId, ct).ConfigureAwait(false) is { } first && first <= now).ConfigureAwait(false);
                if (pass is not null)
                {
                    LogRan(logger, patientId, pass.Alerts.Count);
                }

                return pass is not null;
            }, ct).ConfigureAwait(false);
            ran += done ? 1 : 0;
        }

        return ran;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device streams of patient {PatientId} due: pass ran, {Changed} alerts raised or updated")]
    private static partial void LogRan(ILogger logger, string patientId, int changed);
}
