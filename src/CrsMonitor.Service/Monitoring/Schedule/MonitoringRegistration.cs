using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Schedule;

public static class MonitoringRegistration
{
    /// <summary>
    /// Doses, windows and the check schedule (section <c>Monitoring</c>): the processor the write path calls, Quartz
    /// (<see cref="SchedulerHost"/>), the hand-over of wake-ups to it, the watchdog, and the readiness check <c>scheduler</c>.
    /// Register after storage: hosted services start in order, and the database is migrated first.
    /// </summary>
    public static IServiceCollection AddMonitoring(this IServiceCollection services)
    {
        services.AddStrictSettings<MonitoringSettings>(MonitoringSettings.SectionName).ValidateDataAnnotations();
        services.AddSingleton<IValidateOptions<MonitoringSettings>, MonitoringSettingsValidator>();
        services.AddSingleton<WakeUps>();
        services.AddSingleton<MonitoringReads, BoundedMonitoringReads>();
        services.AddSingleton<MonitoringProcessor>();
        services.AddStrictSettings<Outpatient.PreFeverWatchSettings>(Outpatient.PreFeverWatchSettings.SectionName);
        services.AddSingleton<IValidateOptions<Outpatient.PreFeverWatchSettings>, Outpatient.PreFeverWatchSettingsValidator>();
        services.AddSingleton<Outpatient.PreFeverWatch>();
        services.AddSingleton<MonitoringRunner>();
        services.AddSingleton<SchedulerHost>();
        services.AddHostedService(sp => sp.GetRequiredService<SchedulerHost>());
        services.AddHostedService<WindowScheduler>();
        services.AddSingleton<MonitoringWatchdog>();
        services.AddHostedService(sp => sp.GetRequiredService<MonitoringWatchdog>());
        services.AddHealthChecks().AddCheck<SchedulerHealthCheck>("scheduler", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }
}

/// <summary>Readiness: Quartz is running.</summary>
public sealed class SchedulerHealthCheck(SchedulerHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.IsRunning ? HealthCheckResult.Healthy("Quartz is running") : HealthCheckResult.Unhealthy("Quartz is not running"));
}

public sealed class MonitoringSettingsValidator : IValidateOptions<MonitoringSettings>
{
    public ValidateOptionsResult Validate(string? name, MonitoringSettings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException)
        {
            return ValidateOptionsResult.Fail($"{MonitoringSettings.SectionName}:{nameof(MonitoringSettings.TimeZone)} '{options.TimeZone}' is not a time zone this machine knows (use an IANA id such as America/New_York).");
        }
    }
}
