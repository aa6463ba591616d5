using Quartz;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// What a window's Quartz trigger runs: brings the window's patient's monitoring up to date at "now" (records the
/// overdue checks and window events that fell due) and so computes the next wake-up. One job per window
/// (<c>monitoring/window-{id}</c>), never two at once for a window, recovered after a crash, and idempotent: every event
/// has a unique key, so a second run for the same instant records nothing.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class WindowJob(MonitoringRunner runner, ILogger<WindowJob> logger) : IJob
{
    public const string WindowIdKey = "windowId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var windowId = context.MergedJobDataMap.GetString(WindowIdKey);
        if (windowId is null)
        {
            return;
        }

        var actor = context.Recovering ? Actors.SchedulerRecovery : Actors.Scheduler;
        var recorded = await runner.RunWindowAsync(windowId, actor, cancellationToken).ConfigureAwait(false);
        LogRan(logger, windowId, context.ScheduledFireTimeUtc, actor, recorded);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Window {WindowId} woken for {ScheduledAt:O} by {Actor}: {Recorded} event(s) recorded")]
    private static partial void LogRan(ILogger logger, string windowId, DateTimeOffset? scheduledAt, string actor, int recorded);
}
