using System.Data.Common;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The readings a timeline seeded at a checkpoint needs (grading-rules.md section 5), whatever the length of the
/// course: every reading from the checkpoint on or ending after it; before it, each kind's readings within its look-back
/// (their expiries are instants to grade and causes), the fevers within the fever look-back, the latest of each kind
/// (shown stale when nothing newer is current), and every medication and clinician input (few, and read from an
/// episode's onset or without expiry). A superset changes nothing: a reading the rules do not use is never chosen.
/// </summary>
public static class BoundedReadings
{
    private const string Columns = """
        SELECT patient_id AS PatientId, kind AS Kind, effective_at AS EffectiveAt, end_at AS EndAt, value AS Value,
               original_value AS OriginalValue, code AS Code, qualifier AS Qualifier, detail AS Detail,
               source_type AS SourceType, source_id AS SourceId, source_version AS SourceVersion, sequence AS Sequence
        FROM reading
        """;

    private const string Latest = " = (SELECT MAX(m.effective_at) FROM reading m WHERE m.patient_id = @PatientId AND m.kind = ";

    private const string Before = " AND effective_at < @From";

    private const string Branches =
        Columns + " WHERE patient_id = @PatientId AND effective_at >= @From"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND end_at >= @From" + Before
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind IN ('Medication', 'ClinicianInput')" + Before
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind IN ('Temperature', 'SystolicBp', 'Spo2', 'OxygenFlow', 'FiO2')"
        + " AND effective_at >= @VitalsFrom" + Before
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'OxygenDevice' AND effective_at >= @DeviceFrom" + Before
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'NeuroCheck' AND effective_at >= @NeuroFrom" + Before
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'Temperature' AND effective_at" + Latest + "'Temperature' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'SystolicBp' AND effective_at" + Latest + "'SystolicBp' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'Spo2' AND effective_at" + Latest + "'Spo2' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'OxygenFlow' AND effective_at" + Latest + "'OxygenFlow' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'OxygenDevice' AND effective_at" + Latest + "'OxygenDevice' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'NeuroCheck' AND effective_at" + Latest + "'NeuroCheck' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'FiO2' AND effective_at" + Latest + "'FiO2' AND m.effective_at < @From)"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'Temperature' AND effective_at >= @FeverFrom" + Before + " AND ";

    // The fever threshold of the gate (38.0 °C); SQLite keeps the value as text.
    [Sql(StorageProvider.Sqlite)]
    private const string SinceSqlite = Branches + "CAST(value AS REAL) >= 38.0";

    [Sql(StorageProvider.Postgres, StorageProvider.SqlServer)]
    private const string Since = Branches + "value >= 38.0";

    /// <summary>The readings of <paramref name="patientId"/> a timeline seeded at <paramref name="from"/> needs, each once.</summary>
    public static async Task<IReadOnlyList<Reading>> SinceAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset from, ContinuousGradingSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(settings);
        var sql = Dialect.Of(c) == StorageProvider.Sqlite ? SinceSqlite : Since;
        var args = new
        {
            PatientId = patientId,
            From = from,
            VitalsFrom = from - settings.VitalsStaleAfter,
            DeviceFrom = from - settings.OxygenDeviceStaleAfter,
            NeuroFrom = from - settings.NeuroCheckStaleAfter,
            FeverFrom = from - settings.FeverLookback,
        };
        var rows = await ReadingStore.QueryAsync(c, Dialect.Command(c, tx, sql, args, ct), ct).ConfigureAwait(false);
        var seen = new HashSet<(string, string, int)>();
        return [.. rows.Where(r => seen.Add((r.Source.ResourceType, r.Source.ResourceId, r.Sequence)))];
    }
}
