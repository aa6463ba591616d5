using System.Data.Common;
using System.Globalization;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// The few readings the monitoring refresh needs, each by a small query on <c>reading (patient_id, kind, effective_at)</c>
/// (index <c>ix_reading_patient_kind_time</c>): the protocol-drug administrations, the neuro checks and grade steps from
/// the earliest open window on, and the first vital sign of each kind in a slot's span. Ties at one instant are broken
/// as <see cref="ReadingStore"/> orders a patient's readings (source type, source id, sequence), by the database.
/// </summary>
internal static class MonitoringReadingStore
{
    private const string Columns = """
        kind, effective_at, end_at, code, qualifier, detail, source_type, source_id, source_version, sequence
        """;

    [Sql]
    private const string ProtocolAdministrations = "SELECT " + Columns + """
         FROM reading
        WHERE patient_id = @PatientId AND kind = 'Medication' AND qualifier = 'protocol-drug' AND code IS NOT NULL
        ORDER BY effective_at, source_type, source_id, sequence
        """;

    [Sql]
    private const string NeuroChecksBetween = "SELECT " + Columns + """
         FROM reading
        WHERE patient_id = @PatientId AND kind = 'NeuroCheck' AND effective_at >= @From AND effective_at < @To
        ORDER BY effective_at, source_type, source_id, sequence
        """;

    // Newest first: the caller stops at the first one with an ICE score (almost always the first row).
    [Sql]
    private const string NeuroChecksBefore = "SELECT " + Columns + """
         FROM reading
        WHERE patient_id = @PatientId AND kind = 'NeuroCheck' AND detail IS NOT NULL AND effective_at < @Before
        ORDER BY effective_at DESC, source_type DESC, source_id DESC, sequence DESC
        """;

    // The first temperature, systolic BP and SpO2 in [From, To): each an index seek (MIN), then the rows at that instant.
    [Sql]
    private const string FirstVitalSigns = "SELECT " + Columns + """
         FROM reading
        WHERE patient_id = @PatientId AND kind = 'Temperature' AND effective_at = (SELECT MIN(m.effective_at) FROM reading m
              WHERE m.patient_id = @PatientId AND m.kind = 'Temperature' AND m.effective_at >= @From AND m.effective_at < @To)
        UNION ALL
        SELECT 
        """ + Columns + """
         FROM reading
        WHERE patient_id = @PatientId AND kind = 'SystolicBp' AND effective_at = (SELECT MIN(m.effective_at) FROM reading m
              WHERE m.patient_id = @PatientId AND m.kind = 'SystolicBp' AND m.effective_at >= @From AND m.effective_at < @To)
        UNION ALL
        SELECT 
        """ + Columns + """
         FROM reading
        WHERE patient_id = @PatientId AND kind = 'Spo2' AND effective_at = (SELECT MIN(m.effective_at) FROM reading m
              WHERE m.patient_id = @PatientId AND m.kind = 'Spo2' AND m.effective_at >= @From AND m.effective_at < @To)
        ORDER BY kind, source_type, source_id, sequence
        """;

    // The latest of each vital sign: no slot starting after the earliest of the three can be done.
    [Sql]
    private const string LatestVitalSigns = """
        SELECT (SELECT MAX(effective_at) FROM reading WHERE patient_id = @PatientId AND kind = 'Temperature') AS Temperature,
               (SELECT MAX(effective_at) FROM reading WHERE patient_id = @PatientId AND kind = 'SystolicBp') AS SystolicBp,
               (SELECT MAX(effective_at) FROM reading WHERE patient_id = @PatientId AND kind = 'Spo2') AS Spo2
        """;

    // The grade points of each scale in [From, To), and the last one before From (the "grade rising" comparison needs it).
    [Sql]
    private const string GradeStepsBetween = """
        SELECT scale AS Scale, effective_at AS At, grade AS Grade FROM grade_point
        WHERE patient_id = @PatientId AND scale = 'crs' AND effective_at < @To
          AND effective_at >= COALESCE((SELECT MAX(m.effective_at) FROM grade_point m
                                        WHERE m.patient_id = @PatientId AND m.scale = 'crs' AND m.effective_at < @From), @From)
        UNION ALL
        SELECT scale AS Scale, effective_at AS At, grade AS Grade FROM grade_point
        WHERE patient_id = @PatientId AND scale = 'icans' AND effective_at < @To
          AND effective_at >= COALESCE((SELECT MAX(m.effective_at) FROM grade_point m
                                        WHERE m.patient_id = @PatientId AND m.scale = 'icans' AND m.effective_at < @From), @From)
        """;

    public static Task<List<Reading>> ProtocolAdministrationsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        ReadAllAsync(c, tx, patientId, ProtocolAdministrations, new { PatientId = patientId }, ct);

    public static Task<List<Reading>> NeuroChecksAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        ReadAllAsync(c, tx, patientId, NeuroChecksBetween, new { PatientId = patientId, From = from, To = to }, ct);

    public static Task<List<Reading>> FirstVitalSignsAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        ReadAllAsync(c, tx, patientId, FirstVitalSigns, new { PatientId = patientId, From = from, To = to }, ct);

    /// <summary>The newest neuro check before <paramref name="before"/> that <paramref name="wanted"/> accepts, and how many rows were read to find it.</summary>
    public static async Task<(Reading? Found, int RowsRead)> LastNeuroCheckBeforeAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset before, Func<Reading, bool> wanted, CancellationToken ct)
    {
        var rows = 0;
        Reading? found = null;
        await RowReader.ForEachAsync(c, Dialect.Command(c, tx, NeuroChecksBefore, new { PatientId = patientId, Before = before }, ct), reader =>
        {
            rows++;
            var reading = Read(reader, patientId);
            found = wanted(reading) ? reading : null;
            return found is null;
        }, ct).ConfigureAwait(false);
        return (found, rows);
    }

    /// <summary>The latest temperature, systolic BP and SpO2 instants (null for a kind never recorded).</summary>
    public static Task<LatestVitals> LatestVitalSignsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        c.QuerySingleAsync<LatestVitals>(Dialect.Command(c, tx, LatestVitalSigns, new { PatientId = patientId }, ct));

    public static async Task<List<GradeStep>> GradeStepsAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        [.. await c.QueryAsync<GradeStep>(Dialect.Command(c, tx, GradeStepsBetween, new { PatientId = patientId, From = from, To = to }, ct)).ConfigureAwait(false)];

    private static Task<List<Reading>> ReadAllAsync(DbConnection c, DbTransaction? tx, string patientId, string sql, object args, CancellationToken ct) =>
        RowReader.ListAsync(c, Dialect.Command(c, tx, sql, args, ct), reader => Read(reader, patientId), ct);

    // The columns of Columns, in order (the value is not needed by the schedule).
    private static Reading Read(DbDataReader reader, string patientId) => new()
    {
        PatientId = patientId,
        Kind = Enum.Parse<ReadingKind>(reader.GetString(0)),
        EffectiveAt = DbTypes.ReadInstant(reader.GetValue(1)),
        EndAt = reader.IsDBNull(2) ? null : DbTypes.ReadInstant(reader.GetValue(2)),
        Code = Text(reader, 3),
        Qualifier = Text(reader, 4),
        Detail = ReadingDetail.Of(Text(reader, 5)),
        Source = new ReadingSource(reader.GetString(6), reader.GetString(7), Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture)),
        Sequence = Convert.ToInt32(reader.GetValue(9), CultureInfo.InvariantCulture),
    };

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>The latest instant of each vital sign a vital-signs check needs.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
internal sealed class LatestVitals
{
    public DateTimeOffset? Temperature { get; set; }
    public DateTimeOffset? SystolicBp { get; set; }
    public DateTimeOffset? Spo2 { get; set; }

    /// <summary>The earliest of the three: a span starting after it lacks at least one kind (null: some kind never recorded).</summary>
    public DateTimeOffset? AllUntil => Temperature is { } t && SystolicBp is { } s && Spo2 is { } o ? new[] { t, s, o }.Min() : null;
}
