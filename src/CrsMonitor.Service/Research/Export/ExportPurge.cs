using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Deletes expired exports and their files (completed or failed: <c>ResearchExport:RetentionHours</c> after they
/// finished; deleted ones at once), at start-up and then every <see cref="PurgeInterval"/>. An expired export is already
/// 404 before the purge removes it: every route compares its expiry with the clock.
/// </summary>
public sealed partial class ExportPurge(Database database, TimeProvider time, ILogger<ExportPurge> logger) : PeriodicPass(time, logger)
{
    public static readonly TimeSpan PurgeInterval = TimeSpan.FromHours(1);

    protected override TimeSpan Interval => PurgeInterval;

    protected override Task RunPassAsync(CancellationToken ct) => PurgeOnceAsync(ct);

    /// <summary>Purges once; returns how many exports were deleted.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken ct)
    {
        var purged = await ExportStore.PurgeExpiredAsync(database, Time.GetUtcNow(), ct).ConfigureAwait(false);
        if (purged > 0)
        {
            LogPurged(logger, purged);
        }

        return purged;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired or deleted research exports")]
    private static partial void LogPurged(ILogger logger, int count);
}
