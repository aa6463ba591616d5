using CrsMonitor.Service.Storage;
using Quartz;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// Hands wake-ups to Quartz: one job per window with one simple trigger at the window's next wake-up (an instant
/// computed from the dose time: no cron), misfire instruction FireNow (a wake-up missed while the service was down
/// fires once at start-up; never the "smart" policy, which skips missed repeats), RequestRecovery (re-run after a
/// crash mid-job). A window with nothing more to wake for loses its job. At start every open window's wake-up is
/// handed over again, so a wake-up lost in a crash between commit and this hand-over is restored.
/// </summary>
public sealed partial class WindowScheduler(
    SchedulerHost host, WakeUps wakes, Database database, ILogger<WindowScheduler> logger) : BackgroundService
{
    public static JobKey JobOf(string windowId) => new($"window-{windowId}", SchedulerHost.Group);

    public static TriggerKey TriggerOf(string windowId) => new($"wake-{windowId}", SchedulerHost.Group);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = await host.Scheduler.WaitAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(stoppingToken).ConfigureAwait(false);
            foreach (var window in await MonitoringStore.WakesAsync(connection, stoppingToken).ConfigureAwait(false))
            {
                wakes.Enqueue(new WindowWake(window.Id, window.NextWakeAt));
            }
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            LogFailed(logger, "(all open windows at start-up)", e); // the watchdog processes what is due
        }

        await foreach (var wake in wakes.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await ApplyAsync(scheduler, wake, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SchedulerException or System.Data.Common.DbException or TimeoutException)
            {
                // Not lost: the window row holds the wake-up, and the watchdog processes it if Quartz never does.
                LogFailed(logger, wake.WindowId, e);
            }
            finally
            {
                wakes.Handled();
            }
        }
    }

    public static async Task ApplyAsync(IScheduler scheduler, WindowWake wake, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(wake);
        var job = JobOf(wake.WindowId);
        if (wake.At is not { } at)
        {
            if (await scheduler.Exists(job, ct).ConfigureAwait(false))
            {
                await scheduler.DeleteJob(job, ct).ConfigureAwait(false);
            }

            return;
        }

        var existing = await scheduler.GetTrigger(TriggerOf(wake.WindowId), ct).ConfigureAwait(false);
        if (existing?.StartTimeUtc == at)
        {
            return;
        }

        var detail = JobBuilder.Create<WindowJob>()
            .WithIdentity(job)
            .UsingJobData(WindowJob.WindowIdKey, wake.WindowId)
            .RequestRecovery()
            .StoreDurably()
            .Build();
        var trigger = TriggerBuilder.Create(scheduler.TimeProvider)
            .WithIdentity(TriggerOf(wake.WindowId))
            .ForJob(detail)
            .StartAt(at)
            .WithSchedule(SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        await scheduler.ScheduleJob(detail, trigger, new ScheduleJobOptions { Replace = true }, ct).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not schedule the wake-up of window {WindowId}; the watchdog will process it")]
    private static partial void LogFailed(ILogger logger, string windowId, Exception exception);
}
