using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Alerts;

/// <summary>The SQL of <c>schemas/sql/*/0003_alerts.sql</c>'s tables.</summary>
internal static class AlertStore
{
    private const string AlertColumns = """
        id AS Id, unit AS Unit, patient_id AS PatientId, condition AS Condition, episode_key AS EpisodeKey, state AS State, grade AS Grade,
        title AS Title, message AS Message, basis AS Basis, management AS Management, raised_at AS RaisedAt, updated_at AS UpdatedAt,
        acknowledged_at AS AcknowledgedAt, acknowledged_by AS AcknowledgedBy, resolved_at AS ResolvedAt, resolved_by AS ResolvedBy,
        escalation_tier AS EscalationTier, next_escalation_at AS NextEscalationAt, seq AS Seq
        """;

    [Sql]
    internal const string OfPatient = "SELECT " + AlertColumns + " FROM alert WHERE patient_id = @PatientId ORDER BY raised_at, id";

    [Sql]
    private const string ById = "SELECT " + AlertColumns + " FROM alert WHERE id = @Id";

    [Sql]
    private const string OfUnit = "SELECT " + AlertColumns + " FROM alert WHERE unit = @Unit AND (@All = 1 OR state <> 'resolved') ORDER BY raised_at DESC, id";

    [Sql]
    private const string DueEscalations = "SELECT " + AlertColumns + " FROM alert WHERE state = 'raised' AND next_escalation_at IS NOT NULL AND next_escalation_at <= @Now AND unit <> @Unassigned ORDER BY next_escalation_at";

    [Sql]
    private const string Insert = """
        INSERT INTO alert (id, unit, patient_id, condition, episode_key, state, grade, title, message, basis, management, raised_at, updated_at,
            acknowledged_at, acknowledged_by, resolved_at, resolved_by, escalation_tier, next_escalation_at, seq)
        VALUES (@Id, @Unit, @PatientId, @Condition, @EpisodeKey, @StateCode, @Grade, @Title, @Message, @Basis, @Management, @RaisedAt, @UpdatedAt,
            @AcknowledgedAt, @AcknowledgedBy, @ResolvedAt, @ResolvedBy, @EscalationTier, @NextEscalationAt, @Seq)
        """;

    [Sql]
    private const string Update = """
        UPDATE alert SET state = @StateCode, grade = @Grade, title = @Title, message = @Message, basis = @Basis, management = @Management,
            updated_at = @UpdatedAt, acknowledged_at = @AcknowledgedAt, acknowledged_by = @AcknowledgedBy, resolved_at = @ResolvedAt,
            resolved_by = @ResolvedBy, escalation_tier = @EscalationTier, next_escalation_at = @NextEscalationAt, seq = @Seq
        WHERE id = @Id
        """;

    [Sql]
    private const string InsertAction = """
        INSERT INTO alert_action (alert_id, action, at, by_user, role, note) VALUES (@AlertId, @Action, @At, @ByUser, @Role, @Note)
        """;

    [Sql]
    private const string ActionsOfPatient = """
        SELECT a.id AS Id, a.alert_id AS AlertId, a.action AS Action, a.at AS At, a.by_user AS ByUser, a.role AS Role, a.note AS Note
        FROM alert_action a JOIN alert l ON l.id = a.alert_id WHERE l.patient_id = @PatientId ORDER BY a.at, a.id
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string EnsureSeqRow = "INSERT INTO unit_alert_seq (unit, last_seq) VALUES (@Unit, 0) ON CONFLICT DO NOTHING";

    [Sql]
    private const string InsertSeqRow = "INSERT INTO unit_alert_seq (unit, last_seq) VALUES (@Unit, 0)";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string NextSeqReturning = "UPDATE unit_alert_seq SET last_seq = last_seq + 1 WHERE unit = @Unit RETURNING last_seq";

    [Sql(StorageProvider.SqlServer)]
    private const string NextSeqOutput = "UPDATE unit_alert_seq SET last_seq = last_seq + 1 OUTPUT inserted.last_seq WHERE unit = @Unit";

    [Sql]
    private const string LastSeqOfUnit = "SELECT last_seq FROM unit_alert_seq WHERE unit = @Unit";

    [Sql]
    private const string AllLastSeqs = "SELECT unit AS Unit, last_seq AS LastSeq FROM unit_alert_seq";

    [Sql]
    private const string InsertChange = """
        INSERT INTO alert_change (unit, seq, alert_id, kind, payload, at) VALUES (@Unit, @Seq, @AlertId, @Kind, @Payload, @At)
        """;

    [Sql]
    private const string ChangesAfter = """
        SELECT unit AS Unit, seq AS Seq, alert_id AS AlertId, kind AS Kind, payload AS Payload, at AS At
        FROM alert_change WHERE unit = @Unit AND seq > @After ORDER BY seq
        """;

    public static async Task<List<AlertRow>> OfPatientAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<AlertRow>(Dialect.Command(c, tx, OfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>The result of <see cref="OfPatient"/> in a batch (<see cref="Assessment.PatientSnapshot"/>).</summary>
    internal static async Task<List<AlertRow>> OfPatientAsync(SqlMapper.GridReader grid) =>
        [.. await grid.ReadAsync<AlertRow>().ConfigureAwait(false)];

    public static Task<AlertRow?> ByIdAsync(DbConnection c, DbTransaction? tx, string id, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<AlertRow>(Dialect.Command(c, tx, ById, new { Id = id }, ct));

    public static async Task<List<AlertRow>> OfUnitAsync(DbConnection c, string unit, bool all, CancellationToken ct) =>
        [.. await c.QueryAsync<AlertRow>(Dialect.Command(c, null, OfUnit, new { Unit = unit, All = all ? 1 : 0 }, ct)).ConfigureAwait(false)];

    public static async Task<List<AlertRow>> DueEscalationsAsync(DbConnection c, DateTimeOffset now, CancellationToken ct) =>
        [.. await c.QueryAsync<AlertRow>(Dialect.Command(c, null, DueEscalations, new { Now = now, Unassigned = AlertUnit.Unassigned }, ct)).ConfigureAwait(false)];

    public static Task InsertAsync(DbConnection c, DbTransaction tx, AlertRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, Insert, row, ct));

    public static Task UpdateAsync(DbConnection c, DbTransaction tx, AlertRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, Update, row, ct));

    public static Task InsertActionAsync(DbConnection c, DbTransaction tx, AlertActionRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertAction, row, ct));

    public static async Task<List<AlertActionRow>> ActionsOfPatientAsync(DbConnection c, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<AlertActionRow>(Dialect.Command(c, null, ActionsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>The unit's next sequence number (gap-free; the row lock serialises concurrent writers of one unit until commit).</summary>
    public static async Task<long> NextSeqAsync(DbConnection c, DbTransaction tx, string unit, CancellationToken ct)
    {
        await Dialect.TryInsertAsync(c, tx, EnsureSeqRow, InsertSeqRow, new { Unit = unit }, ct).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<long>(Dialect.Command(c, tx, Dialect.Pick(c, NextSeqReturning, NextSeqOutput), new { Unit = unit }, ct)).ConfigureAwait(false);
    }

    public static async Task<long> LastSeqAsync(DbConnection c, string unit, CancellationToken ct) =>
        await c.ExecuteScalarAsync<long?>(Dialect.Command(c, null, LastSeqOfUnit, new { Unit = unit }, ct)).ConfigureAwait(false) ?? 0;

    public static async Task<IReadOnlyList<(string Unit, long LastSeq)>> AllLastSeqsAsync(DbConnection c, CancellationToken ct) =>
        [.. (await c.QueryAsync<(string, long)>(Dialect.Command(c, null, AllLastSeqs, null, ct)).ConfigureAwait(false))];

    public static Task InsertChangeAsync(DbConnection c, DbTransaction tx, AlertChangeRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertChange, row, ct));

    public static async Task<List<AlertChangeRow>> ChangesAfterAsync(DbConnection c, string unit, long after, CancellationToken ct) =>
        [.. await c.QueryAsync<AlertChangeRow>(Dialect.Command(c, null, ChangesAfter, new { Unit = unit, After = after }, ct)).ConfigureAwait(false)];
}
