using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Storage;

public static class StorageRegistration
{
    /// <summary>
    /// The database (<see cref="Database"/>, configuration section <c>Storage</c>), its migration at start-up (SQLite
    /// always; PostgreSQL and SQL Server with <c>Storage:MigrateOnStartup</c>), the readiness check <c>database</c> and
    /// the daily purge of rejected payloads past retention, and the audit sealer (<see cref="AuditSealer"/>).
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageSettings>()
            .Configure(target => SettingsBinding.Bind(configuration, StorageSettings.SectionName, target))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageSettings>, StorageSettingsValidator>();
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<StorageSettings>>().Value;
            return new Database(settings.Provider, settings.ConnectionStringFor(sp.GetRequiredService<DataDirectory>()), settings.Timeouts);
        });
        services.AddHostedService<StorageStartup>();
        services.AddHostedService<RejectedPayloadPurge>();
        services.AddSingleton<AuditSealer>().AddHostedService(sp => sp.GetRequiredService<AuditSealer>());
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(
            "database", tags: [HealthEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(5));
        return services;
    }
}
