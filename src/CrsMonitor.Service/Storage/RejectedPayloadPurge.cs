using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// Deletes rejected payloads older than <c>Storage:RejectedPayloadRetentionDays</c>: once at start-up, then daily
/// (a <see cref="PeriodicTimer"/> on the service's <see cref="TimeProvider"/>, so tests step it with fake time).
/// A failed purge is logged and tried again at the next tick.
/// </summary>
public sealed partial class RejectedPayloadPurge(
    Database database, IOptions<StorageSettings> settings, TimeProvider time, ILogger<RejectedPayloadPurge> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>Purges once; returns how many payloads were deleted (0 when the database failed).</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(settings.Value.RejectedPayloadRetentionDays);
        try
        {
            await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
            var purged = await RejectedPayloadStore.PurgeOlderThanAsync(connection, cutoff, ct).ConfigureAwait(false);
            LogPurged(logger, purged, cutoff);
            return purged;
        }
        catch (Exception e) when (DbErrors.IsDatabaseFailure(e))
        {
            LogFailed(logger, e.Message);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} rejected payloads received before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging rejected payloads failed ({Reason}); trying again at the next daily run")]
    private static partial void LogFailed(ILogger logger, string reason);
}
