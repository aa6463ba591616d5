using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// The <c>migrate</c> verb: runs the pending migrations of the configured database (<c>Storage</c> section; settings
/// may follow on the command line, e.g. <c>migrate --Storage:Provider=postgres --Storage:ConnectionString=...</c>)
/// and exits without starting the server. Exit codes: 0 up to date; 1 failed (one message on standard error).
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

            var result = Migrations.Run(settings.Provider, settings.ConnectionStringFor(data), NullLogger.Instance);
            var provider = Migrations.FolderOf(settings.Provider);
            stdout.WriteLine(result.Applied.Count == 0
                ? $"migrate: the {provider} database is up to date (nothing to apply)"
                : $"migrate: the {provider} database is up to date; applied {string.Join(", ", result.Applied)}");
            return Migrated;
        }
        catch (Exception e) when (e is StartupConfigurationException or MigrationException)
        {
            stderr.WriteLine($"migrate: {e.Message}");
            return Failed;
        }
    }
}
