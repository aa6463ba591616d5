using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// A payload answered 4xx, kept for the interface team with the OperationOutcome it got (JSON). <see cref="Body"/> is
/// the first 1 MB of the request as text (see <see cref="RejectedPayloadStore.BodyText"/>).
/// </summary>
public sealed record RejectedPayload(
    DateTimeOffset ReceivedAt, string? ClientId, string Method, string Path, string? ContentType, int StatusCode, string Body, string OutcomeJson);

/// <summary>A stored rejected payload with its row id.</summary>
public sealed record StoredRejectedPayload(long Id, RejectedPayload Payload);

/// <summary>Rejected payloads (<c>rejected_payload</c>), purged after <c>Storage:RejectedPayloadRetentionDays</c>.</summary>
public static class RejectedPayloadStore
{
    /// <summary>At most this many characters of a body are kept.</summary>
    public const int MaxBodyChars = 1024 * 1024;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string Insert = """
        INSERT INTO rejected_payload (received_at, client_id, method, path, content_type, status_code, body, outcome)
        VALUES (@ReceivedAt, @ClientId, @Method, @Path, @ContentType, @StatusCode, @Body, @OutcomeJson)
        RETURNING id
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string InsertSqlServer = """
        INSERT INTO rejected_payload (received_at, client_id, method, path, content_type, status_code, body, outcome)
        OUTPUT INSERTED.id
        VALUES (@ReceivedAt, @ClientId, @Method, @Path, @ContentType, @StatusCode, @Body, @OutcomeJson)
        """;

    [Sql]
    private const string Purge = "DELETE FROM rejected_payload WHERE received_at < @Cutoff";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string Recent = """
        SELECT id AS Id, received_at AS ReceivedAt, client_id AS ClientId, method AS Method, path AS Path, content_type AS ContentType,
               status_code AS StatusCode, body AS Body, outcome AS OutcomeJson
        FROM rejected_payload ORDER BY id DESC LIMIT @Limit
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string RecentSqlServer = """
        SELECT TOP (@Limit) id AS Id, received_at AS ReceivedAt, client_id AS ClientId, method AS Method, path AS Path,
               content_type AS ContentType, status_code AS StatusCode, body AS Body, outcome AS OutcomeJson
        FROM rejected_payload ORDER BY id DESC
        """;

    /// <summary>The first 1 MB of a request body as text (invalid UTF-8 becomes U+FFFD): what <see cref="RejectedPayload.Body"/> holds.</summary>
    public static string BodyText(ReadOnlySpan<byte> body) =>
        Encoding.UTF8.GetString(body.Length > MaxBodyChars ? body[..MaxBodyChars] : body);

    /// <summary>
    /// <paramref name="payload"/> with only the first <paramref name="headBytes"/> of <paramref name="body"/> as its body, and
    /// an information issue added to its OperationOutcome giving the whole body's length and SHA-256 and
    /// <paramref name="why"/> (the answer the client got is unchanged; this is what is kept of it).
    /// </summary>
    public static RejectedPayload HeadOnly(RejectedPayload payload, ReadOnlySpan<byte> body, int headBytes, string why)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentOutOfRangeException.ThrowIfNegative(headBytes);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"Body not kept in full: {why}. Kept: its first {Math.Min(headBytes, body.Length)} of {body.Length} bytes; SHA-256 of the whole body: {Convert.ToHexStringLower(SHA256.HashData(body))}.");
        var outcome = JsonNode.Parse(payload.OutcomeJson) as JsonObject ?? [];
        if (outcome["issue"] is not JsonArray issues)
        {
            outcome["issue"] = issues = [];
        }

        issues.Add(new JsonObject { ["severity"] = "information", ["code"] = "informational", ["diagnostics"] = note });
        return payload with { Body = BodyText(body.Length > headBytes ? body[..headBytes] : body), OutcomeJson = outcome.ToJsonString() };
    }

    /// <summary>Keeps a rejected payload; returns its row id (quote it to the interface team).</summary>
    public static async Task<long> AppendAsync(DbConnection c, DbTransaction? tx, RejectedPayload p, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(p);
        return await c.ExecuteScalarAsync<long>(Dialect.Command(c, tx, Dialect.Pick(c, Insert, InsertSqlServer), new
        {
            p.ReceivedAt,
            ClientId = StoredText.Clean(p.ClientId, 256),
            Method = StoredText.Clean(p.Method, 16),
            Path = StoredText.Clean(p.Path, 4000),
            ContentType = StoredText.Clean(p.ContentType, 256),
            p.StatusCode,
            Body = StoredText.Clean(p.Body, MaxBodyChars),
            OutcomeJson = StoredText.Clean(p.OutcomeJson),
        }, ct)).ConfigureAwait(false);
    }

    /// <summary>Deletes the payloads received before <paramref name="cutoff"/>; returns how many.</summary>
    public static Task<int> PurgeOlderThanAsync(DbConnection c, DateTimeOffset cutoff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.ExecuteAsync(Dialect.Command(c, null, Purge, new { Cutoff = cutoff }, ct));
    }

    /// <summary>The latest <paramref name="limit"/> payloads, newest first.</summary>
    public static async Task<IReadOnlyList<StoredRejectedPayload>> RecentAsync(DbConnection c, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var rows = await c.QueryAsync<Row>(Dialect.Command(c, null, Dialect.Pick(c, Recent, RecentSqlServer), new { Limit = limit }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredRejectedPayload(
            r.Id, new RejectedPayload(r.ReceivedAt, r.ClientId, r.Method, r.Path, r.ContentType, r.StatusCode, r.Body, r.OutcomeJson)))];
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class Row
    {
        public long Id { get; init; }
        public DateTimeOffset ReceivedAt { get; init; }
        public string? ClientId { get; init; }
        public string Method { get; init; } = "";
        public string Path { get; init; } = "";
        public string? ContentType { get; init; }
        public int StatusCode { get; init; }
        public string Body { get; init; } = "";
        public string OutcomeJson { get; init; } = "";
    }
}
