using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Service.Assessment;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>One point of a grade timeline: the grade of a scale from <paramref name="EffectiveAt"/> until the next point.</summary>
public sealed record GradePointRow(
    string PatientId, Scale Scale, DateTimeOffset EffectiveAt, string Status, int? Grade, string? Reason,
    string ResultJson, string CauseJson, DateTimeOffset ComputedAt)
{
    /// <summary>The scale as the column holds it (the parameter the insert binds; see <see cref="DbTypes"/>).</summary>
    public string ScaleCode => Scale.Code();
}

/// <summary>One episode of a scale: onset, maximum grade and when, resolution, treatments given (JSON array).</summary>
public sealed record EpisodeRow(
    string PatientId, Scale Scale, DateTimeOffset OnsetAt, int MaxGrade, DateTimeOffset MaxAt, DateTimeOffset? ResolvedAt, string TreatmentsJson)
{
    /// <summary>The scale as the column holds it (the parameter the insert binds; see <see cref="DbTypes"/>).</summary>
    public string ScaleCode => Scale.Code();
}

/// <summary>
/// The stored grade timeline (<c>grade_point</c>: one row per change of a scale's status, grade, reason or flags) and
/// episodes (<c>episode</c>) of each patient. Continuous grading replaces them from the earliest changed instant onward.
/// </summary>
public static class GradeStore
{
    // One writer per patient at a time while re-grading (SQLite needs none: its write transactions are exclusive).
    [Sql(StorageProvider.Postgres)]
    private const string LockPatientPostgres = "SELECT pg_advisory_xact_lock(hashtextextended(@Resource, 0))";

    [Sql(StorageProvider.SqlServer)]
    private const string LockPatientSqlServer = """
        DECLARE @result int;
        EXEC @result = sp_getapplock @Resource = @Resource, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000;
        SELECT @result;
        """;

    // Every scale at once: a patient's timelines are recomputed together (both scales from one instant). The scales are
    // named (every Scale code) so the key (patient_id, scale, effective_at) is sought per scale from the instant: without
    // them each write would walk every point of the patient's course, a cost growing with its length.
    [Sql]
    internal const string DeletePointsFrom = """
        DELETE FROM grade_point WHERE patient_id = @PatientId AND scale IN ('crs', 'icans') AND effective_at >= @From
        """;

    [Sql]
    internal const string InsertPoint = """
        INSERT INTO grade_point (patient_id, scale, effective_at, status, grade, reason, result, cause, computed_at)
        VALUES (@PatientId, @ScaleCode, @EffectiveAt, @Status, @Grade, @Reason, @ResultJson, @CauseJson, @ComputedAt)
        """;

    // The episodes still open at the instant, or opened after it (those closed before it are final).
    [Sql]
    internal const string DeleteEpisodes = """
        DELETE FROM episode WHERE patient_id = @PatientId AND (resolved_at IS NULL OR resolved_at >= @From)
        """;

    [Sql]
    internal const string InsertEpisode = """
        INSERT INTO episode (patient_id, scale, onset_at, max_grade, max_at, resolved_at, treatments)
        VALUES (@PatientId, @ScaleCode, @OnsetAt, @MaxGrade, @MaxAt, @ResolvedAt, @TreatmentsJson)
        """;

    [Sql]
    private const string Points = """
        SELECT patient_id AS PatientId, scale AS Scale, effective_at AS EffectiveAt, status AS Status, grade AS Grade,
               reason AS Reason, result AS ResultJson, cause AS CauseJson, computed_at AS ComputedAt
        FROM grade_point
        WHERE patient_id = @PatientId AND effective_at >= @From AND effective_at <= @To
        ORDER BY effective_at, scale
        """;

    [Sql]
    internal const string CurrentPoints = """
        SELECT g.patient_id AS PatientId, g.scale AS Scale, g.effective_at AS EffectiveAt, g.status AS Status, g.grade AS Grade,
               g.reason AS Reason, g.result AS ResultJson, g.cause AS CauseJson, g.computed_at AS ComputedAt
        FROM grade_point g
        WHERE g.patient_id = @PatientId
          AND g.effective_at = (SELECT MAX(m.effective_at) FROM grade_point m
                                WHERE m.patient_id = g.patient_id AND m.scale = g.scale AND m.effective_at <= @At)
        ORDER BY g.scale
        """;

    [Sql]
    private const string Episodes = """
        SELECT patient_id AS PatientId, scale AS Scale, onset_at AS OnsetAt, max_grade AS MaxGrade, max_at AS MaxAt,
               resolved_at AS ResolvedAt, treatments AS TreatmentsJson
        FROM episode WHERE patient_id = @PatientId
        ORDER BY onset_at, scale
        """;

    /// <summary>
    /// Takes the patient's re-grading lock until <paramref name="tx"/> ends. Call it before reading the patient's readings
    /// to re-grade: two transactions re-grading one patient at once would otherwise each miss the other's reading and
    /// collide on the timeline's primary key. PostgreSQL: transaction advisory lock; SQL Server: <c>sp_getapplock</c>;
    /// SQLite: nothing to do (write transactions begin IMMEDIATE and exclude each other).
    /// </summary>
    public static async Task LockPatientAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var resource = $"crsmonitor-patient:{patientId}";
        switch (Dialect.Of(c))
        {
            case StorageProvider.Postgres:
                await c.ExecuteAsync(Dialect.Command(c, tx, LockPatientPostgres, new { Resource = resource }, ct)).ConfigureAwait(false);
                break;
            case StorageProvider.SqlServer:
                var result = await c.ExecuteScalarAsync<int>(Dialect.Command(c, tx, LockPatientSqlServer, new { Resource = resource }, ct)).ConfigureAwait(false);
                if (result < 0)
                {
                    throw new TimeoutException($"The re-grading lock of a patient was not granted (sp_getapplock returned {result})");
                }

                break;
            default:
                break;
        }
    }

    /// <summary>Points of a patient, optionally one scale and an inclusive time range, by time then scale.</summary>
    public static async Task<IReadOnlyList<GradePointRow>> TimelineAsync(
        DbConnection c, string patientId, Scale? scale, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var rows = await c.QueryAsync<PointRow>(Dialect.Command(c, null, Points,
            new { PatientId = patientId, From = from ?? DateTimeOffset.MinValue, To = to ?? DateTimeOffset.MaxValue }, ct)).ConfigureAwait(false);
        return [.. rows.Where(r => scale is null || r.Scale == scale).Select(r => r.ToRecord())];
    }

    /// <summary>
    /// The result of <see cref="CurrentPoints"/> in a batch (<see cref="Assessment.PatientSnapshot"/>): the point in force
    /// at <c>@At</c> of each scale that has one (the latest at or before it).
    /// </summary>
    internal static async Task<IReadOnlyList<GradePointRow>> CurrentAsync(SqlMapper.GridReader grid) =>
        [.. (await grid.ReadAsync<PointRow>().ConfigureAwait(false)).Select(r => r.ToRecord())];

    public static async Task<IReadOnlyList<EpisodeRow>> EpisodesAsync(DbConnection c, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var rows = await c.QueryAsync<EpisodeDbRow>(Dialect.Command(c, null, Episodes, new { PatientId = patientId }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => new EpisodeRow(r.PatientId, r.Scale, r.OnsetAt, r.MaxGrade, r.MaxAt, r.ResolvedAt, r.TreatmentsJson))];
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class PointRow
    {
        public string PatientId { get; init; } = "";
        public Scale Scale { get; init; }
        public DateTimeOffset EffectiveAt { get; init; }
        public string Status { get; init; } = "";
        public int? Grade { get; init; }
        public string? Reason { get; init; }
        public string ResultJson { get; init; } = "";
        public string CauseJson { get; init; } = "";
        public DateTimeOffset ComputedAt { get; init; }

        public GradePointRow ToRecord() => new(PatientId, Scale, EffectiveAt, Status, Grade, Reason, ResultJson, CauseJson, ComputedAt);
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class EpisodeDbRow
    {
        public string PatientId { get; init; } = "";
        public Scale Scale { get; init; }
        public DateTimeOffset OnsetAt { get; init; }
        public int MaxGrade { get; init; }
        public DateTimeOffset MaxAt { get; init; }
        public DateTimeOffset? ResolvedAt { get; init; }
        public string TreatmentsJson { get; init; } = "";
    }
}
