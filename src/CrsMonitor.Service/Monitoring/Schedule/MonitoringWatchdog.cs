using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// Independent of Quartz (its own timer on the host's <see cref="TimeProvider"/>): at start-up, then every
/// <c>Monitoring:WatchdogIntervalSeconds</c>, finds open windows whose wake-up is more than
/// <c>Monitoring:WatchdogLatenessSeconds</c> old (Quartz did not process it: the service was down, a trigger stuck, a
/// wake-up lost) and processes them, recording an operational <c>processed-late</c> event and a warning in the log.
/// </summary>
public sealed class MonitoringWatchdog(
    MonitoringRunner runner, SchedulerHost host, IOptions<MonitoringSettings> options, Hosting.Telemetry.ServiceMetrics metrics, TimeProvider time,
    ILogger<MonitoringWatchdog> logger)
    : PeriodicPass(time, logger)
{
    protected override TimeSpan Interval => options.Value.WatchdogInterval;

    // Start after Quartz, so a misfired trigger handled at its start-up is not reported late twice.
    protected override Task BeforeFirstPassAsync(CancellationToken ct) => host.Scheduler.WaitAsync(ct);

    protected override Task RunPassAsync(CancellationToken ct) => RunOnceAsync(ct);

    /// <summary>One pass now (also what the timer runs); returns how many late windows it processed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var caught = await runner.CatchUpAsync(options.Value.WatchdogLateness, Actors.Watchdog, ct).ConfigureAwait(false);
        metrics.WakeUpsMissed(Hosting.Telemetry.WakeUpMetrics.Watchdog, caught);
        return caught;
    }
}
