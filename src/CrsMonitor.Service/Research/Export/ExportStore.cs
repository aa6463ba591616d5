using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// <c>research_export</c>: the exports, their status and their claim. Every change of status is a conditional UPDATE,
/// so two nodes never both claim, complete or fail one export, and a worker whose claim was taken over (or whose export
/// was deleted) changes nothing.
/// </summary>
public static class ExportStore
{
    private const int MaxErrorLength = 4000;

    // One kick-off per researcher at a time, so two at once cannot both pass the count (SQLite: write transactions exclude each other).
    [Sql(StorageProvider.Postgres)]
    private const string LockRequesterPostgres = "SELECT pg_advisory_xact_lock(hashtextextended(@Resource, 0))";

    [Sql(StorageProvider.SqlServer)]
    private const string LockRequesterSqlServer = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000;
        SELECT @result;
        """;

    [Sql]
    private const string CountInProgress = """
        SELECT COUNT(*) FROM research_export WHERE requested_by = @RequestedBy AND status IN ('queued', 'running')
        """;

    [Sql]
    private const string Insert = """
        INSERT INTO research_export (id, requested_by, request_url, types, status, requested_at, transaction_time)
        VALUES (@Id, @RequestedBy, @RequestUrl, @Types, 'queued', @RequestedAt, @TransactionTime)
        """;

    [Sql]
    private const string Find = """
        SELECT id AS Id, requested_by AS RequestedBy, request_url AS RequestUrl, types AS Types, status AS Status,
               requested_at AS RequestedAt, transaction_time AS TransactionTime, claimed_by AS ClaimedBy, claimed_at AS ClaimedAt,
               completed_at AS CompletedAt, error AS Error, expires_at AS ExpiresAt
        FROM research_export WHERE id = @Id
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string Claimable = """
        SELECT id FROM research_export
        WHERE status = 'queued' OR (status = 'running' AND claimed_at < @StaleBefore)
        ORDER BY requested_at, id LIMIT @Limit
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string ClaimableSqlServer = """
        SELECT TOP (@Limit) id FROM research_export
        WHERE status = 'queued' OR (status = 'running' AND claimed_at < @StaleBefore)
        ORDER BY requested_at, id
        """;

    [Sql]
    private const string Claim = """
        UPDATE research_export SET status = 'running', claimed_by = @Claim, claimed_at = @Now
        WHERE id = @Id AND (status = 'queued' OR (status = 'running' AND claimed_at < @StaleBefore))
        """;

    [Sql]
    private const string Refresh = """
        UPDATE research_export SET claimed_at = @Now WHERE id = @Id AND status = 'running' AND claimed_by = @Claim
        """;

    [Sql]
    private const string Complete = """
        UPDATE research_export SET status = 'completed', completed_at = @Now, expires_at = @ExpiresAt
        WHERE id = @Id AND status = 'running' AND claimed_by = @Claim
        """;

    [Sql]
    private const string Fail = """
        UPDATE research_export SET status = 'failed', error = @Error, completed_at = @Now, expires_at = @ExpiresAt
        WHERE id = @Id AND status = 'running' AND claimed_by = @Claim
        """;

    [Sql]
    private const string Release = """
        UPDATE research_export SET status = 'queued', claimed_by = NULL, claimed_at = NULL
        WHERE id = @Id AND status = 'running' AND claimed_by = @Claim
        """;

    // A deleted export stays as a row until the purge (so a worker still building it finds it gone), its files go at once.
    [Sql]
    private const string Cancel = """
        UPDATE research_export SET status = 'cancelled', completed_at = @Now, expires_at = @Now
        WHERE id = @Id AND requested_by = @RequestedBy AND status <> 'cancelled' AND (expires_at IS NULL OR expires_at > @Now)
        """;

    [Sql]
    private const string PurgeFiles = """
        DELETE FROM research_export_file WHERE export_id IN (SELECT id FROM research_export WHERE expires_at <= @Now)
        """;

    [Sql]
    private const string PurgeExports = "DELETE FROM research_export WHERE expires_at <= @Now";

    /// <summary>A status as <c>research_export.status</c> holds it (the words of its CHECK constraint and of the statements above).</summary>
    public static ExportStatus StatusOf(string text) => text switch
    {
        "queued" => ExportStatus.Queued,
        "running" => ExportStatus.Running,
        "completed" => ExportStatus.Completed,
        "failed" => ExportStatus.Failed,
        "cancelled" => ExportStatus.Cancelled,
        _ => throw new InvalidDataException($"research_export.status '{text}' is not a status"),
    };

    /// <summary>
    /// Stores a new queued export unless its researcher already has <paramref name="maxInProgress"/> queued or running;
    /// false then (nothing stored). The count and the insert run under the researcher's lock, in one transaction.
    /// </summary>
    public static Task<bool> TryQueueAsync(Database database, ExportJob job, int maxInProgress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(job);
        return database.InTransactionAsync(async (c, tx) =>
        {
            await LockRequesterAsync(c, tx, job.RequestedBy, ct).ConfigureAwait(false);
            var inProgress = await c.ExecuteScalarAsync<int>(Dialect.Command(c, tx, CountInProgress, new { job.RequestedBy }, ct)).ConfigureAwait(false);
            if (inProgress >= maxInProgress)
            {
                return false;
            }

            await c.ExecuteAsync(Dialect.Command(c, tx, Insert, new
            {
                job.Id,
                job.RequestedBy,
                RequestUrl = StoredText.Clean(job.RequestUrl),
                Types = string.Join(",", job.Types),
                job.RequestedAt,
                job.TransactionTime,
            }, ct)).ConfigureAwait(false);
            return true;
        }, ct);
    }

    public static async Task<ExportJob?> FindAsync(DbConnection c, string id, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var row = await c.QuerySingleOrDefaultAsync<Row>(Dialect.Command(c, null, Find, new { Id = id }, ct)).ConfigureAwait(false);
        return row?.ToJob();
    }

    /// <summary>Exports a worker may claim now, oldest first: queued, or running under a claim last refreshed before <paramref name="staleBefore"/>.</summary>
    public static async Task<IReadOnlyList<string>> ClaimableAsync(DbConnection c, DateTimeOffset staleBefore, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return [.. await c.QueryAsync<string>(Dialect.Command(c, null, Dialect.Pick(c, Claimable, ClaimableSqlServer),
            new { StaleBefore = staleBefore, Limit = limit }, ct)).ConfigureAwait(false)];
    }

    /// <summary>Claims an export for <paramref name="claim"/> if it is still claimable; true for the one worker that won.</summary>
    public static async Task<bool> TryClaimAsync(DbConnection c, string id, string claim, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return await c.ExecuteAsync(Dialect.Command(c, null, Claim, new { Id = id, Claim = claim, Now = now, StaleBefore = staleBefore }, ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>Refreshes a claim; false when the export is no longer running under it (deleted, or taken over).</summary>
    public static async Task<bool> RefreshClaimAsync(DbConnection c, string id, string claim, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return await c.ExecuteAsync(Dialect.Command(c, null, Refresh, new { Id = id, Claim = claim, Now = now }, ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Marks the export completed and stores its files, in one transaction, if it is still running under
    /// <paramref name="claim"/>; false (nothing stored) otherwise.
    /// </summary>
    public static Task<bool> TryCompleteAsync(
        Database database, string id, string claim, DateTimeOffset now, DateTimeOffset expiresAt, IReadOnlyList<NamedExportFile> files, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(files);
        return database.InTransactionAsync(async (c, tx) =>
        {
            var marked = await c.ExecuteAsync(Dialect.Command(c, tx, Complete, new { Id = id, Claim = claim, Now = now, ExpiresAt = expiresAt }, ct)).ConfigureAwait(false);
            if (marked != 1)
            {
                return false;
            }

            foreach (var file in files)
            {
                await ExportFileStore.InsertAsync(c, tx, id, file, ct).ConfigureAwait(false);
            }

            return true;
        }, ct);
    }

    /// <summary>Marks the export failed with <paramref name="error"/> if it is still running under <paramref name="claim"/>.</summary>
    public static async Task<bool> TryFailAsync(
        DbConnection c, string id, string claim, string error, DateTimeOffset now, DateTimeOffset expiresAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return await c.ExecuteAsync(Dialect.Command(c, null, Fail, new
        {
            Id = id, Claim = claim, Error = StoredText.Clean(error, MaxErrorLength), Now = now, ExpiresAt = expiresAt,
        }, ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>Gives a running export back to the queue (its node is stopping), if it is still running under <paramref name="claim"/>.</summary>
    public static async Task<bool> ReleaseAsync(DbConnection c, string id, string claim, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return await c.ExecuteAsync(Dialect.Command(c, null, Release, new { Id = id, Claim = claim }, ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Deletes an export of <paramref name="requestedBy"/>: marked cancelled (a worker building it stops and stores
    /// nothing), its files deleted, in one transaction. False when there is no such export of theirs to delete.
    /// </summary>
    public static Task<bool> TryCancelAsync(Database database, string id, string requestedBy, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.InTransactionAsync(async (c, tx) =>
        {
            var marked = await c.ExecuteAsync(Dialect.Command(c, tx, Cancel, new { Id = id, RequestedBy = requestedBy, Now = now }, ct)).ConfigureAwait(false);
            if (marked != 1)
            {
                return false;
            }

            await ExportFileStore.DeleteAsync(c, tx, id, ct).ConfigureAwait(false);
            return true;
        }, ct);
    }

    /// <summary>Deletes the exports (and their files) that expired at or before <paramref name="now"/>; returns how many exports.</summary>
    public static Task<int> PurgeExpiredAsync(Database database, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(database);
        return database.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(Dialect.Command(c, tx, PurgeFiles, new { Now = now }, ct)).ConfigureAwait(false);
            return await c.ExecuteAsync(Dialect.Command(c, tx, PurgeExports, new { Now = now }, ct)).ConfigureAwait(false);
        }, ct);
    }

    private static async Task LockRequesterAsync(DbConnection c, DbTransaction tx, string requestedBy, CancellationToken ct)
    {
        // Hashed: sp_getapplock takes at most 255 characters, and a subject may be 256.
        var resource = $"crsmonitor-export-requester:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requestedBy)))}";
        switch (Dialect.Of(c))
        {
            case StorageProvider.Postgres:
                await c.ExecuteAsync(Dialect.Command(c, tx, LockRequesterPostgres, new { Resource = resource }, ct)).ConfigureAwait(false);
                break;
            case StorageProvider.SqlServer:
                var result = await c.ExecuteScalarAsync<int>(Dialect.Command(c, tx, LockRequesterSqlServer, new { Resource = resource }, ct)).ConfigureAwait(false);
                if (result < 0)
                {
                    throw new TimeoutException($"The export lock of a researcher was not granted (sp_getapplock returned {result})");
                }

                break;
            default:
                break;
        }
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class Row
    {
        public string Id { get; set; } = string.Empty;
        public string RequestedBy { get; set; } = string.Empty;
        public string RequestUrl { get; set; } = string.Empty;
        public string Types { get; set; } = string.Empty;
        public string Status { get; set; } = string.Empty;
        public DateTimeOffset RequestedAt { get; set; }
        public DateTimeOffset TransactionTime { get; set; }
        public string? ClaimedBy { get; set; }
        public DateTimeOffset? ClaimedAt { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }
        public string? Error { get; set; }
        public DateTimeOffset? ExpiresAt { get; set; }

        public ExportJob ToJob() => new(
            Id, RequestedBy, RequestUrl, Types.Split(',', StringSplitOptions.RemoveEmptyEntries), StatusOf(Status), RequestedAt, TransactionTime,
            ClaimedBy, ClaimedAt, CompletedAt, Error, ExpiresAt);
    }
}
