using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Readiness: the database answers a query within <c>Storage:HealthProbeTimeoutSeconds</c> (a connection of the probe's
/// own, opened and queried with that timeout: a frozen server is unready within seconds, never a hanging request), and
/// on SQLite its writes are not blocked (<see cref="Database.WritesBlocked"/>: reads still work while another process
/// holds the write lock). Details (never the connection string) go to the log.
/// </summary>
internal sealed partial class DatabaseHealthCheck(Database database, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    [Sql]
    private const string Probe = "SELECT 1";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = ProbeAsync(cancellationToken);
        try
        {
            // Real time, as the drivers' own timeouts: Npgsql's statement timeout on a frozen server is followed by a
            // cancellation request and its wait, so the probe stops waiting itself (the abandoned probe ends by those).
            await probe.WaitAsync(database.Timeouts.Probe, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            if (database.WritesBlocked)
            {
                LogWritesBlocked(logger, database.Provider);
                return HealthCheckResult.Unhealthy("database answers reads but not writes");
            }

            return HealthCheckResult.Healthy("database answers");
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e) || e is InvalidOperationException)
        {
            if (!probe.IsCompleted)
            {
                // Stopped waiting: the probe still ends by the driver's timeouts; its failure is not news.
                _ = probe.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            LogFailed(logger, database.Provider, e.Message);
            return HealthCheckResult.Unhealthy("database does not answer");
        }
    }

    /// <summary>Opens a probe connection (<see cref="Database.OpenProbeAsync"/>) and runs <see cref="Probe"/>.</summary>
    private async Task ProbeAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenProbeAsync(ct).ConfigureAwait(false);
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(Probe, cancellationToken: ct)).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Provider} database does not answer: {Reason}")]
    private static partial void LogFailed(ILogger logger, StorageProvider provider, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Provider} database answers reads, but its write lock is held elsewhere: the last write gave up and none has committed since")]
    private static partial void LogWritesBlocked(ILogger logger, StorageProvider provider);
}
