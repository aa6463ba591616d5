using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// Independent of Quartz (its own timer on the host's <see cref="TimeProvider"/>): at start-up, then every
/// <c>Monitoring:WatchdogIntervalSeconds</c>, finds open windows whose wake-up is more than
/// <c>Monitoring:WatchdogLatenessSeconds</c> old (Quartz did not process it: the service was down, a trigger stuck, a
/// wake-up lost) and processes them, recording an operational <c>processed-late</c> event and a warning in the log.
/// </summary>
public sealed partial class MonitoringWatchdog(
    MonitoringRunner runner, SchedulerHost host, IOptions<MonitoringSettings> options, TimeProvider time, ILogger<MonitoringWatchdog> logger)
    : BackgroundService
{
    /// <summary>Completed passes (tests wait on it instead of sleeping).</summary>
    public long Passes => Interlocked.Read(ref passes);

    private long passes;

    /// <summary>One pass now (also what the timer runs).</summary>
    public Task<int> RunOnceAsync(CancellationToken ct) => runner.CatchUpAsync(options.Value.WatchdogLateness, Actors.Watchdog, ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start after Quartz, so a misfired trigger handled at its start-up is not reported late twice.
        await host.Scheduler.WaitAsync(stoppingToken).ConfigureAwait(false);
        using var timer = new PeriodicTimer(options.Value.WatchdogInterval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e);
            }

            Interlocked.Increment(ref passes);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The monitoring watchdog's pass failed; it runs again at its next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
