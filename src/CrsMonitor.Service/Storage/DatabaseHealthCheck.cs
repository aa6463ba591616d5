using Dapper;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CrsMonitor.Service.Storage;

/// <summary>Readiness: the database answers a query. Details (never the connection string) go to the log.</summary>
internal sealed partial class DatabaseHealthCheck(Database database, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    [Sql]
    private const string Probe = "SELECT 1";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.ExecuteScalarAsync<int>(new CommandDefinition(Probe, cancellationToken: cancellationToken)).ConfigureAwait(false);
            return HealthCheckResult.Healthy("database answers");
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e) || e is InvalidOperationException)
        {
            LogFailed(logger, database.Provider, e.Message);
            return HealthCheckResult.Unhealthy("database does not answer");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Provider} database does not answer: {Reason}")]
    private static partial void LogFailed(ILogger logger, StorageProvider provider, string reason);
}
