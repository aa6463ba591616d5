using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Alerts;

/// <summary>The SQL of <c>schemas/sql/*/0005_alert_round_settle.sql</c>: a patient's pending round and when its alerts are due.</summary>
internal static class RoundSettleStore
{
    [Sql]
    private const string DueAtOf = "SELECT due_at FROM alert_round_settle WHERE patient_id = @PatientId";

    [Sql]
    private const string Insert = "INSERT INTO alert_round_settle (patient_id, due_at) VALUES (@PatientId, @DueAt)";

    [Sql]
    private const string Update = "UPDATE alert_round_settle SET due_at = @DueAt WHERE patient_id = @PatientId";

    [Sql]
    private const string Delete = "DELETE FROM alert_round_settle WHERE patient_id = @PatientId";

    [Sql]
    private const string Due = "SELECT patient_id FROM alert_round_settle WHERE due_at <= @Now ORDER BY due_at, patient_id";

    /// <summary>When the patient's pending round is due; null when none is pending.</summary>
    public static async Task<DateTimeOffset?> DueAtAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        await c.ExecuteScalarAsync<object?>(Dialect.Command(c, tx, DueAtOf, new { PatientId = patientId }, ct)).ConfigureAwait(false) is { } value and not DBNull
            ? DbTypes.ReadInstant(value)
            : null;

    /// <summary>Sets the due instant (the caller holds the patient's lock, so the read before it still holds).</summary>
    public static Task SetAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset dueAt, bool exists, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, exists ? Update : Insert, new { PatientId = patientId, DueAt = dueAt }, ct));

    public static Task ClearAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, Delete, new { PatientId = patientId }, ct));

    /// <summary>Patients whose round is due at <paramref name="now"/>, the earliest first.</summary>
    public static async Task<IReadOnlyList<string>> DueAsync(DbConnection c, DateTimeOffset now, CancellationToken ct) =>
        [.. await c.QueryAsync<string>(Dialect.Command(c, null, Due, new { Now = now }, ct)).ConfigureAwait(false)];
}
