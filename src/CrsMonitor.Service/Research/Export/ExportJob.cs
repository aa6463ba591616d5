namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// One export as stored (<c>research_export</c>): who asked, the kick-off URL, the resource types asked for (in the
/// content's order), its status, the instant its data is read as of, the current claim (a worker on some node), when it
/// finished, why it failed, and when it is purged.
/// </summary>
public sealed record ExportJob(
    string Id,
    string RequestedBy,
    string RequestUrl,
    IReadOnlyList<string> Types,
    ExportStatus Status,
    DateTimeOffset RequestedAt,
    DateTimeOffset TransactionTime,
    string? ClaimedBy,
    DateTimeOffset? ClaimedAt,
    DateTimeOffset? CompletedAt,
    string? Error,
    DateTimeOffset? ExpiresAt)
{
    /// <summary>Whether its researcher may still see it at <paramref name="now"/>: not deleted, and not past its expiry.</summary>
    public bool IsVisibleAt(DateTimeOffset now) => Status != ExportStatus.Cancelled && (ExpiresAt is not { } expires || expires > now);
}
