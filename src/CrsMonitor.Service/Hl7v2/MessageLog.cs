using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Hl7v2;

/// <summary>A message's key: MSH-3 sending application, MSH-4 sending facility, MSH-10 control id.</summary>
public sealed record MessageKey(string SendingApplication, string SendingFacility, string ControlId);

/// <summary>The answer a message got, with the hash of what it said (to tell a resend from a reused control id).</summary>
public sealed record LoggedAnswer(string ContentHash, string AckCode, string Ack);

/// <summary>
/// <c>hl7v2_message</c>: the ACK each message got, by its key. An accepted message's row is added in the transaction of
/// its effects (so it exists exactly when they do); a refused one's alone.
/// </summary>
public static class MessageLog
{
    [Sql]
    private const string Find = """
        SELECT content_hash AS ContentHash, ack_code AS AckCode, ack AS Ack FROM hl7v2_message
        WHERE sending_application = @SendingApplication AND sending_facility = @SendingFacility AND control_id = @ControlId
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertOnConflict = """
        INSERT INTO hl7v2_message (sending_application, sending_facility, control_id, content_hash, message_type, received_at, ack_code, ack)
        VALUES (@SendingApplication, @SendingFacility, @ControlId, @ContentHash, @MessageType, @ReceivedAt, @AckCode, @Ack)
        ON CONFLICT DO NOTHING
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string Insert = """
        INSERT INTO hl7v2_message (sending_application, sending_facility, control_id, content_hash, message_type, received_at, ack_code, ack)
        VALUES (@SendingApplication, @SendingFacility, @ControlId, @ContentHash, @MessageType, @ReceivedAt, @AckCode, @Ack)
        """;

    [Sql]
    private const string Purge = "DELETE FROM hl7v2_message WHERE received_at < @Cutoff";

    /// <summary>Deletes the answers of messages received before <paramref name="cutoff"/>; returns how many.</summary>
    public static Task<int> PurgeOlderThanAsync(DbConnection connection, DateTimeOffset cutoff, CancellationToken ct) =>
        connection.ExecuteAsync(Dialect.Command(connection, null, Purge, new { Cutoff = cutoff }, ct));

    public static async Task<LoggedAnswer?> FindAsync(DbConnection connection, MessageKey key, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await connection.QuerySingleOrDefaultAsync<LoggedAnswer>(Dialect.Command(connection, null, Find, key, ct)).ConfigureAwait(false);
    }

    /// <summary>Adds the message's answer; false when a message with the same key was logged first (a concurrent resend).</summary>
    public static Task<bool> TryAppendAsync(
        DbConnection connection, DbTransaction transaction, MessageKey key, string contentHash, string messageType, DateTimeOffset receivedAt,
        string ackCode, string ack, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(key);
        var args = new
        {
            key.SendingApplication, key.SendingFacility, key.ControlId, ContentHash = contentHash, MessageType = StoredText.Clean(messageType, 32),
            ReceivedAt = receivedAt, AckCode = ackCode, Ack = StoredText.Clean(ack),
        };
        return Dialect.TryInsertAsync(connection, transaction, InsertOnConflict, Insert, args, ct);
    }
}
