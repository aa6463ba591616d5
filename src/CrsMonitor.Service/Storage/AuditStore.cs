using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// One audit row (reliability-security.md): when (UTC), who (user or client id, role), what (action, resource type
/// and id), which patient, outcome (<c>success</c>, <c>denied</c> or <c>error</c>), from where, correlation id.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset At, string? Actor, string? Role, string Action, string? ResourceType, string? ResourceId, string? PatientId,
    string Outcome, string? RemoteAddress, string? CorrelationId, string? Detail);

/// <summary>
/// The append-only audit log (<c>audit_log</c>). The database itself refuses UPDATE, DELETE, TRUNCATE and (SQLite)
/// REPLACE on it (triggers on every provider, migrations 0001 and 0004); on PostgreSQL and SQL Server the service's
/// role may only INSERT and SELECT it (<see cref="ServiceRoleGrant"/>); and what an owner could still do is made
/// evident by the hash chain (<see cref="AuditSealer"/>, the <c>verify-audit</c> verb). deploy/database-roles.md.
/// </summary>
public static class AuditStore
{
    public static readonly IReadOnlyList<string> Outcomes = ["success", "denied", "error"];

    [Sql]
    private const string Insert = """
        INSERT INTO audit_log (at, actor, role, action, resource_type, resource_id, patient_id, outcome, remote_address, correlation_id, detail)
        VALUES (@At, @Actor, @Role, @Action, @ResourceType, @ResourceId, @PatientId, @Outcome, @RemoteAddress, @CorrelationId, @Detail)
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string Recent = """
        SELECT at AS At, actor AS Actor, role AS Role, action AS Action, resource_type AS ResourceType, resource_id AS ResourceId,
               patient_id AS PatientId, outcome AS Outcome, remote_address AS RemoteAddress, correlation_id AS CorrelationId, detail AS Detail
        FROM audit_log ORDER BY id DESC LIMIT @Limit
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string RecentSqlServer = """
        SELECT TOP (@Limit) at AS At, actor AS Actor, role AS Role, action AS Action, resource_type AS ResourceType, resource_id AS ResourceId,
               patient_id AS PatientId, outcome AS Outcome, remote_address AS RemoteAddress, correlation_id AS CorrelationId, detail AS Detail
        FROM audit_log ORDER BY id DESC
        """;

    /// <summary>Appends one row (in <paramref name="tx"/> when given: a write records its audit row in its own transaction).</summary>
    public static Task AppendAsync(DbConnection c, DbTransaction? tx, AuditEntry e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(e);
        if (!Outcomes.Contains(e.Outcome))
        {
            throw new ArgumentException($"Audit outcome must be one of {string.Join(", ", Outcomes)} (was '{e.Outcome}')", nameof(e));
        }

        // Clipped to the SQL Server column sizes and cleaned on every provider: an odd request must not lose its audit row.
        return c.ExecuteAsync(Dialect.Command(c, tx, Insert, new
        {
            e.At,
            Actor = StoredText.Clean(e.Actor, 256),
            Role = StoredText.Clean(e.Role, 256),
            Action = StoredText.Clean(e.Action, 400),
            ResourceType = StoredText.Clean(e.ResourceType, 40),
            ResourceId = StoredText.Clean(e.ResourceId, 64),
            PatientId = StoredText.Clean(e.PatientId, 64),
            e.Outcome,
            RemoteAddress = StoredText.Clean(e.RemoteAddress, 64),
            CorrelationId = StoredText.Clean(e.CorrelationId, 128),
            Detail = StoredText.Clean(e.Detail),
        }, ct));
    }

    /// <summary>The latest <paramref name="limit"/> rows, newest first.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> RecentAsync(DbConnection c, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var rows = await c.QueryAsync<AuditRow>(Dialect.Command(c, null, Dialect.Pick(c, Recent, RecentSqlServer), new { Limit = limit }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    /// <summary>An <c>audit_log</c> row as Dapper reads it (the sealer and verifier read the id too).</summary>
    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    internal sealed class AuditRow
    {
        public long Id { get; init; }
        public DateTimeOffset At { get; init; }
        public string? Actor { get; init; }
        public string? Role { get; init; }
        public string Action { get; init; } = "";
        public string? ResourceType { get; init; }
        public string? ResourceId { get; init; }
        public string? PatientId { get; init; }
        public string Outcome { get; init; } = "";
        public string? RemoteAddress { get; init; }
        public string? CorrelationId { get; init; }
        public string? Detail { get; init; }

        public AuditEntry ToEntry() => new(At, Actor, Role, Action, ResourceType, ResourceId, PatientId, Outcome, RemoteAddress, CorrelationId, Detail);

        public AuditRecord ToRecord() => new(Id, ToEntry());
    }
}
