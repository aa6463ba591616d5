using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// The <c>migrate</c> verb: runs the pending migrations of the configured database (<c>Storage</c> section; settings
/// may follow on the command line, e.g. <c>migrate --Storage:Provider=postgres --Storage:ConnectionString=...</c>)
/// and exits without starting the server. With <c>Storage:ServiceRole</c> it then grants that role what the service needs
/// (<see cref="ServiceRoleGrant"/>). Exit codes: 0 up to date; 1 failed (one message on standard error).
/// </summary>
public static class MigrateCommand
{
    public const int Migrated = 0;
    public const int Failed = 1;

    public static int Run(IConfiguration configuration, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            var settings = StorageSettings.FromConfiguration(configuration);
            if (settings.Problems() is { Count: > 0 } problems)
            {
                stderr.WriteLine($"migrate: {string.Join(" ", problems)}");
                return Failed;
            }

            var data = DataDirectory.FromConfiguration(configuration);
            if (settings.Provider == StorageProvider.Sqlite && string.IsNullOrWhiteSpace(settings.ConnectionString))
            {
                data.EnsureExists();
            }

            var connectionString = settings.ConnectionStringFor(data);
            var result = Migrations.Run(settings.Provider, connectionString, NullLogger.Instance);
            var provider = Migrations.FolderOf(settings.Provider);
            stdout.WriteLine(result.Applied.Count == 0
                ? $"migrate: the {provider} database is up to date (nothing to apply)"
                : $"migrate: the {provider} database is up to date; applied {string.Join(", ", result.Applied)}");
            ProvisionQuartz(settings.Provider, connectionString);
            stdout.WriteLine($"migrate: the Quartz tables (QRTZ_*) of the {provider} database are in place");
            if (!string.IsNullOrEmpty(settings.ServiceRole))
            {
                using var database = new Database(settings.Provider, connectionString);
                ServiceRoleGrant.GrantAsync(database, settings.ServiceRole, CancellationToken.None).GetAwaiter().GetResult();
                stdout.WriteLine($"migrate: service role '{settings.ServiceRole}' may read and write the service's tables and only insert into the audit tables");
            }

            return Migrated;
        }
        catch (Exception e) when (e is StartupConfigurationException or MigrationException or Quartz.SchedulerException)
        {
            stderr.WriteLine($"migrate: {e.Message}");
            return Failed;
        }
    }

    /// <summary>
    /// Creates Quartz's job-store tables if missing: building a scheduler with <c>SchemaProvisioning.CreateIfMissing</c>
    /// runs the create scripts shipped inside Quartz.dll (<c>CREATE TABLE IF NOT EXISTS</c>); it is never started.
    /// </summary>
    private static void ProvisionQuartz(StorageProvider provider, string connectionString)
    {
        using var database = new Database(provider, connectionString);
        var factory = Monitoring.Schedule.SchedulerHost.Build(database, new Monitoring.Schedule.MonitoringSettings(), TimeProvider.System, new NoJobs());
        try
        {
            var scheduler = factory.GetScheduler().AsTask().GetAwaiter().GetResult();
            scheduler.Shutdown(waitForJobsToComplete: false).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            factory.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The migrate verb's scheduler is never started, so it never makes a job.</summary>
    private sealed class NoJobs : Quartz.Extensibility.IJobFactory
    {
        public ValueTask<Quartz.Extensibility.JobScope> CreateJob(Quartz.Extensibility.TriggerFiredBundle bundle, Quartz.IScheduler scheduler, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The migrate verb runs no jobs");

        public ValueTask ReturnJob(Quartz.Extensibility.JobScope scope, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
