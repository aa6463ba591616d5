using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// Deletes the message log's answers older than <c>Hl7v2:ResendWindowDays</c>: once at start-up, then daily (a
/// <see cref="PeriodicTimer"/> on the service's <see cref="TimeProvider"/>). A monitor feed logs a row per message, so
/// the log is bounded by the window, not by the course. A failed purge is logged and tried again at the next tick.
/// </summary>
public sealed partial class MessageLogPurge(
    Database database, IOptions<Hl7v2Settings> settings, TimeProvider time, ILogger<MessageLogPurge> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>Purges once; returns how many answers were deleted (0 when the database failed).</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(settings.Value.ResendWindowDays);
        try
        {
            await using var connection = await database.OpenAsync(ct).ConfigureAwait(false);
            var purged = await MessageLog.PurgeOlderThanAsync(connection, cutoff, ct).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} HL7 v2 message answers received before {Cutoff:O}")]
    private static partial void LogPurged(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging HL7 v2 message answers failed ({Reason}); trying again at the next daily run")]
    private static partial void LogFailed(ILogger logger, string reason);
}
