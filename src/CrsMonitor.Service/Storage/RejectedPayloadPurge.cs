using System.Data.Common;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Storage;

/// <summary>Deletes rejected payloads older than <c>Storage:RejectedPayloadRetentionDays</c>, daily.</summary>
public sealed class RejectedPayloadPurge(
    Database database, IOptions<StorageSettings> settings, TimeProvider time, ILogger<RejectedPayloadPurge> logger) : DailyPurge(database, time, logger)
{
    protected override string What => "rejected payloads";

    protected override TimeSpan Retention => TimeSpan.FromDays(settings.Value.RejectedPayloadRetentionDays);

    protected override Task<int> DeleteOlderThanAsync(DbConnection connection, DateTimeOffset cutoff, CancellationToken ct) =>
        RejectedPayloadStore.PurgeOlderThanAsync(connection, cutoff, ct);
}
