using System.ComponentModel.DataAnnotations;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>Settings of the check schedule, the watchdog and Quartz (section <c>Monitoring</c>).</summary>
public sealed class MonitoringSettings
{
    public const string SectionName = "Monitoring";

    /// <summary>The hospital's time zone (IANA id): which protocol version applies is decided on the dose's local date.</summary>
    [Required]
    public string TimeZone { get; init; } = "America/New_York";

    /// <summary>How early a check may be taken and still count for its slot (capped at half the gap to the previous slot).</summary>
    [Range(0, 240)]
    public int EarlyToleranceMinutes { get; init; } = 30;

    /// <summary>How often the watchdog looks for windows whose wake-up was not processed.</summary>
    [Range(5, 600)]
    public int WatchdogIntervalSeconds { get; init; } = 30;

    /// <summary>A wake-up later than this is processed by the watchdog and raises an operational event (reliability: within 2 min).</summary>
    [Range(10, 600)]
    public int WatchdogLatenessSeconds { get; init; } = 90;

    /// <summary>Quartz: several nodes share the job store (PostgreSQL and SQL Server only; refused on SQLite).</summary>
    public bool Clustered { get; init; }

    /// <summary>Quartz scheduler name: the same on every node of a cluster.</summary>
    [Required]
    public string SchedulerName { get; init; } = "crsmonitor";

    /// <summary>Quartz: how long the scheduler sleeps when nothing is due before it looks again (at least 1 s).</summary>
    [Range(1, 300)]
    public int IdleWaitSeconds { get; init; } = 30;

    public TimeSpan EarlyTolerance => TimeSpan.FromMinutes(EarlyToleranceMinutes);

    public TimeSpan WatchdogInterval => TimeSpan.FromSeconds(WatchdogIntervalSeconds);

    public TimeSpan WatchdogLateness => TimeSpan.FromSeconds(WatchdogLatenessSeconds);
}
