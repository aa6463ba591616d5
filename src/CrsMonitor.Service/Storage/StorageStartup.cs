using CrsMonitor.Service.Hosting;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// At start-up, before requests are served: migrates SQLite (and PostgreSQL or SQL Server when
/// <c>Storage:MigrateOnStartup</c> is true). Otherwise checks that a server database is migrated and refuses to
/// start if scripts are pending; a server that cannot be reached is logged and left to the readiness check.
/// </summary>
internal sealed partial class StorageStartup(Database database, IOptions<StorageSettings> settings, ILogger<StorageStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var provider = Migrations.FolderOf(database.Provider);
        if (settings.Value.MigratesAtStartup)
        {
            try
            {
                var result = Migrations.Run(database.Provider, database.ConnectionString, logger);
                LogMigrated(logger, provider, result.Applied.Count == 0 ? "nothing to apply" : string.Join(", ", result.Applied));
            }
            catch (MigrationException e)
            {
                throw new StartupConfigurationException($"Cannot migrate the {provider} database: {e.Message}", e);
            }

            return Task.CompletedTask;
        }

        IReadOnlyList<string> pending;
        try
        {
            pending = Migrations.Pending(database.Provider, database.ConnectionString, logger);
        }
        catch (MigrationException e)
        {
            LogUnreachable(logger, provider, e.Message);
            return Task.CompletedTask;
        }

        if (pending.Count > 0)
        {
            throw new StartupConfigurationException(
                $"The {provider} database is not migrated to this version ({string.Join(", ", pending)} pending). " +
                "Run `CrsMonitor.Service migrate` with the same Storage settings, or set Storage:MigrateOnStartup=true.");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Provider} database is up to date ({Applied})")]
    private static partial void LogMigrated(ILogger logger, string provider, string applied);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Provider} database cannot be reached at start-up ({Reason}); readiness reports it until it answers")]
    private static partial void LogUnreachable(ILogger logger, string provider, string reason);
}
