using System.Data.Common;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>
/// Deletes the message log's answers older than <c>Hl7v2:ResendWindowDays</c>, daily: a monitor feed logs a row per
/// message, so the log is bounded by the window, not by the course.
/// </summary>
public sealed class MessageLogPurge(
    Database database, IOptions<Hl7v2Settings> settings, TimeProvider time, ILogger<MessageLogPurge> logger) : DailyPurge(database, time, logger)
{
    protected override string What => "HL7 v2 message answers";

    protected override TimeSpan Retention => TimeSpan.FromDays(settings.Value.ResendWindowDays);

    protected override Task<int> DeleteOlderThanAsync(DbConnection connection, DateTimeOffset cutoff, CancellationToken ct) =>
        MessageLog.PurgeOlderThanAsync(connection, cutoff, ct);
}
