using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>Runs <see cref="MonitoringProcessor"/> in its own transaction for a window (Quartz) or a late window (watchdog).</summary>
public sealed partial class MonitoringRunner(Database database, Assessment.PatientWork work, TimeProvider time, ILogger<MonitoringRunner> logger)
{
    private long windowRuns;

    /// <summary>How many window wake-ups this node has run (tests: two clustered nodes run each wake-up once between them).</summary>
    public long WindowRuns => Interlocked.Read(ref windowRuns);

    /// <summary>Brings the window's patient up to date; returns how many events were recorded.</summary>
    public async Task<int> RunWindowAsync(string windowId, string actor, CancellationToken ct)
    {
        Interlocked.Increment(ref windowRuns);
        var recorded = await database.InTransactionAsync(async (c, tx) =>
        {
            var window = await MonitoringStore.WindowAsync(c, tx, windowId, ct).ConfigureAwait(false);
            if (window is null)
            {
                return [];
            }

            var pass = await work.RunAsync(c, tx, window.PatientId, readingsFrom: null, time.GetUtcNow(), actor, ct).ConfigureAwait(false);
            return pass!.Events;
        }, ct).ConfigureAwait(false);
        Log(recorded, actor);
        return recorded.Count;
    }

    /// <summary>
    /// The watchdog's pass: every open window whose wake-up is more than <paramref name="lateness"/> in the past was not
    /// processed by Quartz (stopped service, stuck trigger, lost wake-up): process it now and record an operational event.
    /// </summary>
    public async Task<int> CatchUpAsync(TimeSpan lateness, string actor, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<DueWindow> due;
        await using (var connection = await database.OpenAsync(ct).ConfigureAwait(false))
        {
            due = await MonitoringStore.DueWindowsAsync(connection, now - lateness, ct).ConfigureAwait(false);
        }

        var caught = 0;
        foreach (var window in due)
        {
            var (processed, recorded) = await database.InTransactionAsync(async (c, tx) =>
            {
                var at = time.GetUtcNow();
                var pass = await work.RunAsync(c, tx, window.PatientId, readingsFrom: null, at, actor, ct, async () =>
                {
                    var current = await MonitoringStore.WindowAsync(c, tx, window.Id, ct).ConfigureAwait(false);
                    if (current is not { State: WindowState.Open, NextWakeAt: { } wake } || wake > at - lateness)
                    {
                        return false; // processed meanwhile (Quartz caught up)
                    }

                    await MonitoringProcessor.RecordLateAsync(c, tx, window, at, actor, ct).ConfigureAwait(false);
                    return true;
                }).ConfigureAwait(false);
                return (pass is not null, pass?.Events ?? []);
            }, ct).ConfigureAwait(false);
            if (processed)
            {
                caught++;
                LogLate(logger, window.Id, window.NextWakeAt, now - window.NextWakeAt, actor);
            }

            Log(recorded, actor);
        }

        return caught;
    }

    private void Log(IReadOnlyList<EventRow> recorded, string actor)
    {
        foreach (var e in recorded)
        {
            LogEvent(logger, e.Kind, e.WindowId, e.SlotId, e.OccurredAt, actor);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring event {Kind} of window {WindowId} (slot {SlotId}) at {OccurredAt:O}, recorded by {Actor}")]
    private static partial void LogEvent(ILogger logger, string kind, string windowId, string? slotId, DateTimeOffset occurredAt, string actor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Window {WindowId} was due at {WakeAt:O} and not processed for {Late}: processed by the {Actor}")]
    private static partial void LogLate(ILogger logger, string windowId, DateTimeOffset wakeAt, TimeSpan late, string actor);
}
