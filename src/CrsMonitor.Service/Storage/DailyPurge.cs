using System.Data.Common;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Deletes rows older than a retention: once at start-up, then daily (a <see cref="PeriodicTimer"/> on the service's
/// <see cref="TimeProvider"/>, so tests step it with fake time). A failed purge is logged and tried again at the next
/// tick. Each kept-for-a-while table (rejected payloads, the HL7 v2 message log) says what, how long and how to delete.
/// </summary>
public abstract partial class DailyPurge(Database database, TimeProvider time, ILogger logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>What is purged, for the log ("rejected payloads").</summary>
    protected abstract string What { get; }

    protected abstract TimeSpan Retention { get; }

    protected abstract Task<int> DeleteOlderThanAsync(DbConnection connection, DateTimeOffset cutoff, CancellationToken ct);

    /// <summary>Purges once; returns how many rows were deleted (0 when the database failed).</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - Retention;
        try
        {
            await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
            var purged = await DeleteOlderThanAsync(connection, cutoff, ct).ConfigureAwait(false);
            LogPurged(logger, purged, What, cutoff);
            return purged;
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            LogFailed(logger, What, e.Message);
            return 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                await PurgeOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} {What} received before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, int count, string what, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging {What} failed ({Reason}); trying again at the next daily run")]
    private static partial void LogFailed(ILogger logger, string what, string reason);
}
