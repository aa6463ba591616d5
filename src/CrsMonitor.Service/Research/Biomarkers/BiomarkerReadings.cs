using System.Data.Common;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;

namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>A patient's laboratory results (Lab readings), read by index <c>ix_reading_patient_kind_time</c>: never the rest of the course.</summary>
internal static class BiomarkerReadings
{
    // The columns of ReadingStore's queries, in its order (ReadingStore.QueryAsync reads them by position).
    [Sql]
    private const string LabsOfPatient = """
        SELECT patient_id AS PatientId, kind AS Kind, effective_at AS EffectiveAt, end_at AS EndAt, value AS Value,
               original_value AS OriginalValue, code AS Code, qualifier AS Qualifier, detail AS Detail,
               source_type AS SourceType, source_id AS SourceId, source_version AS SourceVersion, sequence AS Sequence, reported_by AS ReportedBy
        FROM reading
        WHERE patient_id = @PatientId AND kind = 'Lab'
        ORDER BY effective_at, source_type, source_id, sequence
        """;

    public static Task<IReadOnlyList<Reading>> OfPatientAsync(DbConnection c, string patientId, CancellationToken ct) =>
        ReadingStore.QueryAsync(c, Dialect.Command(c, null, LabsOfPatient, new { PatientId = patientId }, ct), ct);
}
