using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.VirtualWard;

/// <summary>The latest reading of one vital sign of a patient: when, the value in its canonical unit, as sent, from which device.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class LastReadingRow
{
    public ReadingKind Kind { get; set; }
    public DateTimeOffset At { get; set; }
    public decimal? Value { get; set; }
    public string? OriginalValue { get; set; }
    public string? Device { get; set; }
    public string SourceId { get; set; } = "";
}

/// <summary>
/// The last data per signal of a patient (the virtual ward's columns): the latest temperature, heart rate, respiratory
/// rate, blood pressure (systolic and diastolic) and SpO2. Two index lookups' worth per signal on <c>(patient_id, kind, effective_at)</c>,
/// whatever the length of the patient's stream.
/// </summary>
internal static class LastReadingStore
{
    [Sql]
    private const string Latest = """
        SELECT r.kind AS Kind, r.effective_at AS At, r.value AS Value, r.original_value AS OriginalValue, r.device AS Device, r.source_id AS SourceId
        FROM reading r
        JOIN (SELECT kind, MAX(effective_at) AS latest FROM reading
              WHERE patient_id = @PatientId AND kind IN ('Temperature', 'HeartRate', 'RespiratoryRate', 'SystolicBp', 'DiastolicBp', 'Spo2')
              GROUP BY kind) m ON r.kind = m.kind AND r.effective_at = m.latest
        WHERE r.patient_id = @PatientId
        """;

    /// <summary>One row per signal with any reading (at one instant from two sources: the one with the greatest source id).</summary>
    public static async Task<IReadOnlyList<LastReadingRow>> OfPatientAsync(DbConnection c, string patientId, CancellationToken ct)
    {
        var rows = await c.QueryAsync<LastReadingRow>(Dialect.Command(c, null, Latest, new { PatientId = patientId }, ct)).ConfigureAwait(false);
        return [.. rows.GroupBy(r => r.Kind).Select(g => g.MaxBy(r => r.SourceId, StringComparer.Ordinal)!)];
    }
}
