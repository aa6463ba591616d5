using System.Data.Common;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The readings a timeline seeded at a checkpoint needs (grading-rules.md section 5), whatever the length of the
/// course or the density of its feeds: every reading from the checkpoint on or ending after it; before it, the last
/// usable reading of each input (what is current at the checkpoint; the ones it replaced change nothing after it, as
/// <see cref="PatientCourse"/> counts their going stale only when still the latest), the last SpO2 on room air (an input of
/// its own), the fevers within the fever look-back that no later one equals or exceeds, and every medication and clinician input (few, and read from an
/// episode's onset or without expiry). A superset changes nothing: a reading the rules do not use is never chosen.
/// Laboratory results are none of these (CRS-ORGAN): no branch reads them.
/// </summary>
public static class BoundedReadings
{
    private const string Columns = """
        SELECT patient_id AS PatientId, kind AS Kind, effective_at AS EffectiveAt, end_at AS EndAt, value AS Value,
               original_value AS OriginalValue, code AS Code, qualifier AS Qualifier, detail AS Detail,
               source_type AS SourceType, source_id AS SourceId, source_version AS SourceVersion, sequence AS Sequence, reported_by AS ReportedBy
        FROM reading
        """;

    private const string Before = " AND effective_at < @From";

    // The last usable reading of an input before the checkpoint, with its ties: Latest + input + Max + input + Before + ")".
    private const string Latest = " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND ";
    private const string Max = " AND effective_at = (SELECT MAX(effective_at) FROM reading WHERE patient_id = @PatientId AND ";
    private const string Temperature = "kind = 'Temperature' AND value IS NOT NULL";
    private const string Systolic = "kind = 'SystolicBp' AND value IS NOT NULL";
    private const string Spo2 = "kind = 'Spo2' AND value IS NOT NULL";
    private const string RoomAirSpo2 = "kind = 'Spo2' AND code = 'room-air' AND value IS NOT NULL";
    private const string Flow = "kind = 'OxygenFlow' AND value IS NOT NULL";
    private const string Device = "kind = 'OxygenDevice' AND code IS NOT NULL";
    private const string NeuroCheck = "kind = 'NeuroCheck' AND detail IS NOT NULL";

    // Laboratory results are never read by grading (CRS-ORGAN): left out here, so a course's labs are not loaded for it.
    private const string Branches =
        Columns + " WHERE patient_id = @PatientId AND effective_at >= @From AND kind <> 'Lab'"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND end_at >= @From" + Before
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind IN ('Medication', 'ClinicianInput')" + Before
        + Latest + Temperature + Max + Temperature + Before + ")"
        + Latest + Systolic + Max + Systolic + Before + ")"
        + Latest + Spo2 + Max + Spo2 + Before + ")"
        + Latest + Flow + Max + Flow + Before + ")"
        + Latest + Device + Max + Device + Before + ")"
        + Latest + NeuroCheck + Max + NeuroCheck + Before + ")"
        + Latest + RoomAirSpo2 + " AND effective_at = (SELECT MAX(effective_at) FROM reading ";

    // The last SpO2 on room air (older than the vitals' staleness it is stale at every instant graded) and the fevers
    // within the fever look-back, each through its partial index: SQLite, without statistics, would otherwise walk back
    // through every SpO2 (or every temperature of 24 h) of the patient. SQLite keeps the value as text.
    // Of the fevers, only those no later fever before the checkpoint equals or exceeds: the fever gate takes the highest
    // fever of a window that ends after the checkpoint (and the newest, for the episode), and a window (or an attribution)
    // that leaves such a fever out leaves out every earlier one too; so a fever met or beaten later is never chosen. A
    // febrile wearable (a temperature every 2 minutes) has up to 720 fevers in 24 h; this keeps a handful.
    [Sql(StorageProvider.Sqlite)]
    private const string SinceSqlite = Branches + "INDEXED BY ix_reading_patient_room_air "
        + "WHERE patient_id = @PatientId AND " + RoomAirSpo2 + " AND effective_at >= @VitalsFrom" + Before + ")"
        + " UNION ALL " + Columns + " INDEXED BY ix_reading_patient_fever WHERE patient_id = @PatientId AND kind = 'Temperature'"
        + " AND effective_at >= @FeverFrom" + Before + " AND CAST(value AS REAL) >= 38.0"
        + " AND NOT EXISTS (SELECT 1 FROM reading AS newer INDEXED BY ix_reading_patient_fever WHERE newer.patient_id = @PatientId"
        + " AND newer.kind = 'Temperature' AND CAST(newer.value AS REAL) >= 38.0 AND newer.effective_at > reading.effective_at"
        + " AND newer.effective_at < @From AND CAST(newer.value AS REAL) >= CAST(reading.value AS REAL))";

    [Sql(StorageProvider.Postgres, StorageProvider.SqlServer)]
    private const string Since = Branches
        + "WHERE patient_id = @PatientId AND " + RoomAirSpo2 + " AND effective_at >= @VitalsFrom" + Before + ")"
        + " UNION ALL " + Columns + " WHERE patient_id = @PatientId AND kind = 'Temperature'"
        + " AND effective_at >= @FeverFrom" + Before + " AND value >= 38.0"
        + " AND NOT EXISTS (SELECT 1 FROM reading AS newer WHERE newer.patient_id = @PatientId AND newer.kind = 'Temperature'"
        + " AND newer.value >= 38.0 AND newer.effective_at > reading.effective_at AND newer.effective_at < @From"
        + " AND newer.value >= reading.value)";

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
            FeverFrom = from - settings.FeverLookback,
        };
        var rows = await ReadingStore.QueryAsync(c, Dialect.Command(c, tx, sql, args, ct), ct).ConfigureAwait(false);
        var seen = new HashSet<(string, string, int)>();
        return [.. rows.Where(r => seen.Add((r.Source.ResourceType, r.Source.ResourceId, r.Sequence)))];
    }
}
