using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>One row of <c>audit_seal</c>: seal <see cref="Seq"/> covers the audit rows after the previous seal's last id up to <see cref="LastId"/>.</summary>
public sealed record AuditSeal(long Seq, long FirstId, long LastId, long RowCount, DateTimeOffset SealedAt, string PreviousHash, string RowDigests, string Hash);

/// <summary>The SQL of the hash chain: the audit rows in id order, and the append-only <c>audit_seal</c> table.</summary>
public static class AuditSealStore
{
    private const string SealColumns = """
        seq AS Seq, first_id AS FirstId, last_id AS LastId, row_count AS SealedRows, sealed_at AS SealedAt, previous_hash AS PreviousHash,
        row_digests AS RowDigests, hash AS Hash
        """;

    private const string RowColumns = """
        id AS Id, at AS At, actor AS Actor, role AS Role, action AS Action, resource_type AS ResourceType, resource_id AS ResourceId,
        patient_id AS PatientId, outcome AS Outcome, remote_address AS RemoteAddress, correlation_id AS CorrelationId, detail AS Detail
        """;

    [Sql]
    private const string MaxId = "SELECT COALESCE(MAX(id), 0) FROM audit_log";

    [Sql]
    private const string CountAfter = "SELECT COUNT(*) FROM audit_log WHERE id > @After";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string LastSeal = "SELECT " + SealColumns + " FROM audit_seal ORDER BY seq DESC LIMIT 1";

    [Sql(StorageProvider.SqlServer)]
    private const string LastSealSqlServer = "SELECT TOP (1) " + SealColumns + " FROM audit_seal ORDER BY seq DESC";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string SealsAfter = "SELECT " + SealColumns + " FROM audit_seal WHERE seq > @After ORDER BY seq LIMIT @Limit";

    [Sql(StorageProvider.SqlServer)]
    private const string SealsAfterSqlServer = "SELECT TOP (@Limit) " + SealColumns + " FROM audit_seal WHERE seq > @After ORDER BY seq";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string RowsAfter = "SELECT " + RowColumns + " FROM audit_log WHERE id > @After AND id <= @UpTo ORDER BY id LIMIT @Limit";

    [Sql(StorageProvider.SqlServer)]
    private const string RowsAfterSqlServer = "SELECT TOP (@Limit) " + RowColumns + " FROM audit_log WHERE id > @After AND id <= @UpTo ORDER BY id";

    [Sql]
    private const string RowsBetween = "SELECT " + RowColumns + " FROM audit_log WHERE id > @After AND id <= @UpTo ORDER BY id";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertSealIfAbsent = """
        INSERT INTO audit_seal (seq, first_id, last_id, row_count, sealed_at, previous_hash, row_digests, hash)
        VALUES (@Seq, @FirstId, @LastId, @RowCount, @SealedAt, @PreviousHash, @RowDigests, @Hash)
        ON CONFLICT (seq) DO NOTHING
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string InsertSeal = """
        INSERT INTO audit_seal (seq, first_id, last_id, row_count, sealed_at, previous_hash, row_digests, hash)
        VALUES (@Seq, @FirstId, @LastId, @RowCount, @SealedAt, @PreviousHash, @RowDigests, @Hash)
        """;

    /// <summary>The highest audit id visible now (0 when there is none).</summary>
    public static Task<long> MaxIdAsync(DbConnection c, CancellationToken ct) =>
        c.ExecuteScalarAsync<long>(Dialect.Command(c, null, MaxId, null, ct));

    /// <summary>How many audit rows have an id above <paramref name="after"/>.</summary>
    public static Task<long> CountAfterAsync(DbConnection c, long after, CancellationToken ct) =>
        c.ExecuteScalarAsync<long>(Dialect.Command(c, null, CountAfter, new { After = after }, ct));

    /// <summary>The latest seal, or null before the first.</summary>
    public static async Task<AuditSeal?> LastAsync(DbConnection c, DbTransaction? tx, CancellationToken ct) =>
        (await c.QuerySingleOrDefaultAsync<SealRow>(Dialect.Command(c, tx, Dialect.Pick(c, LastSeal, LastSealSqlServer), null, ct)).ConfigureAwait(false))?.ToSeal();

    /// <summary>Up to <paramref name="limit"/> seals after seq <paramref name="after"/>, in order.</summary>
    public static async Task<IReadOnlyList<AuditSeal>> SealsAfterAsync(DbConnection c, long after, int limit, CancellationToken ct) =>
        [.. (await c.QueryAsync<SealRow>(Dialect.Command(c, null, Dialect.Pick(c, SealsAfter, SealsAfterSqlServer), new { After = after, Limit = limit }, ct)).ConfigureAwait(false)).Select(s => s.ToSeal())];

    /// <summary>Up to <paramref name="limit"/> audit rows with <paramref name="after"/> &lt; id &lt;= <paramref name="upTo"/>, in id order.</summary>
    public static async Task<IReadOnlyList<AuditRecord>> RowsAfterAsync(DbConnection c, long after, long upTo, int limit, CancellationToken ct)
    {
        var rows = await c.QueryAsync<AuditStore.AuditRow>(Dialect.Command(c, null, Dialect.Pick(c, RowsAfter, RowsAfterSqlServer), new { After = after, UpTo = upTo, Limit = limit }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>Every audit row with <paramref name="after"/> &lt; id &lt;= <paramref name="upTo"/>, in id order.</summary>
    public static async Task<IReadOnlyList<AuditRecord>> RowsBetweenAsync(DbConnection c, long after, long upTo, CancellationToken ct)
    {
        var rows = await c.QueryAsync<AuditStore.AuditRow>(Dialect.Command(c, null, RowsBetween, new { After = after, UpTo = upTo }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRecord())];
    }

    /// <summary>Appends <paramref name="seal"/>; false when a seal with its seq exists already (another sealer was first).</summary>
    public static Task<bool> TryAppendAsync(DbConnection c, DbTransaction tx, AuditSeal seal, CancellationToken ct) =>
        Dialect.TryInsertAsync(c, tx, InsertSealIfAbsent, InsertSeal, seal, ct);

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class SealRow
    {
        public long Seq { get; init; }
        public long FirstId { get; init; }
        public long LastId { get; init; }
        public long SealedRows { get; init; }
        public DateTimeOffset SealedAt { get; init; }
        public string PreviousHash { get; init; } = "";
        public string RowDigests { get; init; } = "";
        public string Hash { get; init; } = "";

        public AuditSeal ToSeal() => new(Seq, FirstId, LastId, SealedRows, SealedAt, PreviousHash, RowDigests, Hash);
    }
}
