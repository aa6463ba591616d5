using Quartz;

namespace CrsMonitor.Service.Hosting.Telemetry;

/// <summary>
/// Quartz trigger listener feeding <see cref="ServiceMetrics"/>: each fired wake-up's lag (Quartz's fire time minus the
/// trigger's scheduled fire time, both on the host's <see cref="TimeProvider"/>) and each misfire. Listens only; never
/// vetoes a job.
/// </summary>
internal sealed class WakeUpMetrics(ServiceMetrics metrics) : ITriggerListener
{
    public const string QuartzMisfire = "quartz-misfire";
    public const string Watchdog = "watchdog";

    public string Name => "crsmonitor-metrics";

    public ValueTask TriggerFired(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.ScheduledFireTimeUtc is { } scheduled)
        {
            metrics.WakeUpFired(context.FireTimeUtc - scheduled);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> VetoJobExecution(ITrigger trigger, IJobExecutionContext context, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(false);

    public ValueTask TriggerMisfired(ITrigger trigger, IScheduler scheduler, CancellationToken cancellationToken = default)
    {
        metrics.WakeUpsMissed(QuartzMisfire);
        return ValueTask.CompletedTask;
    }

    public ValueTask TriggerComplete(
        ITrigger trigger, IJobExecutionContext context, SchedulerInstruction triggerInstructionCode, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;
}
