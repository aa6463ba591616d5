using System.Data.Common;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>SQL of the outpatient rows (migration 0014): attestations, a window's setting, the pre-fever watch and the temperatures it reads.</summary>
public static class OutpatientStore
{
    private const string AttestationColumns = """
        id AS Id, window_id AS WindowId, patient_id AS PatientId, caregiver_name AS CaregiverName,
        caregiver_relationship AS CaregiverRelationship, caregiver_phone AS CaregiverPhone, travel_minutes AS TravelMinutes,
        reason AS Reason, attested_at AS AttestedAt, attested_by AS AttestedBy, role AS Role
        """;

    [Sql]
    private const string AttestationsOfPatient = "SELECT " + AttestationColumns + " FROM window_attestation WHERE patient_id = @PatientId ORDER BY attested_at, id";

    [Sql]
    private const string InsertAttestation = """
        INSERT INTO window_attestation (id, window_id, patient_id, caregiver_name, caregiver_relationship, caregiver_phone, travel_minutes,
            reason, attested_at, attested_by, role)
        VALUES (@Id, @WindowId, @PatientId, @CaregiverName, @CaregiverRelationship, @CaregiverPhone, @TravelMinutes,
            @Reason, @AttestedAt, @AttestedBy, @Role)
        """;

    [Sql]
    private const string UpdateSetting = "UPDATE monitoring_window SET setting = @Setting WHERE id = @Id";

    private const string WatchColumns = """
        window_id AS WindowId, patient_id AS PatientId, baseline_source AS BaselineSource, baseline_from AS BaselineFrom,
        baseline_to AS BaselineTo, baseline_count AS BaselineCount, baseline_mean AS BaselineMean, baseline_sd AS BaselineSd,
        threshold AS Threshold, scan_from AS ScanFrom, scanned_until AS ScannedUntil, run_start_at AS RunStartAt, run_count AS RunCount,
        first_breach_at AS FirstBreachAt, raised_at AS RaisedAt, fever_at AS FeverAt, updated_at AS UpdatedAt
        """;

    [Sql]
    private const string WatchesOfPatient = "SELECT " + WatchColumns + " FROM pre_fever_watch WHERE patient_id = @PatientId";

    [Sql]
    private const string InsertWatch = """
        INSERT INTO pre_fever_watch (window_id, patient_id, baseline_source, baseline_from, baseline_to, baseline_count, baseline_mean,
            baseline_sd, threshold, scan_from, scanned_until, run_start_at, run_count, first_breach_at, raised_at, fever_at, updated_at)
        VALUES (@WindowId, @PatientId, @BaselineSource, @BaselineFrom, @BaselineTo, @BaselineCount, @BaselineMean,
            @BaselineSd, @Threshold, @ScanFrom, @ScannedUntil, @RunStartAt, @RunCount, @FirstBreachAt, @RaisedAt, @FeverAt, @UpdatedAt)
        """;

    [Sql]
    private const string UpdateWatch = """
        UPDATE pre_fever_watch SET baseline_source = @BaselineSource, baseline_from = @BaselineFrom, baseline_to = @BaselineTo,
            baseline_count = @BaselineCount, baseline_mean = @BaselineMean, baseline_sd = @BaselineSd, threshold = @Threshold,
            scan_from = @ScanFrom, scanned_until = @ScannedUntil, run_start_at = @RunStartAt, run_count = @RunCount,
            first_breach_at = @FirstBreachAt, raised_at = @RaisedAt, fever_at = @FeverAt, updated_at = @UpdatedAt
        WHERE window_id = @WindowId
        """;

    // The temperatures of one span [From, To), through ix_reading_patient_time: a baseline period, or what came since the last pass.
    [Sql]
    private const string Temperatures = """
        SELECT effective_at AS At, value AS Value FROM reading
        WHERE patient_id = @PatientId AND kind = 'Temperature' AND value IS NOT NULL AND effective_at >= @From AND effective_at < @To
        ORDER BY effective_at
        """;

    [Sql]
    private const string TemperaturesAfter = """
        SELECT effective_at AS At, value AS Value FROM reading
        WHERE patient_id = @PatientId AND kind = 'Temperature' AND value IS NOT NULL AND effective_at > @After AND effective_at < @To
        ORDER BY effective_at
        """;

    public static async Task<List<AttestationRow>> AttestationsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<AttestationRow>(Dialect.Command(c, tx, AttestationsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task InsertAttestationAsync(DbConnection c, DbTransaction tx, AttestationRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertAttestation, row, ct));

    public static Task UpdateSettingAsync(DbConnection c, DbTransaction tx, string windowId, WindowSetting setting, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, UpdateSetting, new { Id = windowId, Setting = MonitoringSettingKind.Word(setting) }, ct));

    public static async Task<List<WatchRow>> WatchesAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<WatchRow>(Dialect.Command(c, tx, WatchesOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task InsertWatchAsync(DbConnection c, DbTransaction tx, WatchRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertWatch, row, ct));

    public static Task UpdateWatchAsync(DbConnection c, DbTransaction tx, WatchRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, UpdateWatch, row, ct));

    public static async Task<List<TemperatureRow>> TemperaturesAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct) =>
        [.. await c.QueryAsync<TemperatureRow>(Dialect.Command(c, tx, Temperatures, new { PatientId = patientId, From = from, To = to }, ct)).ConfigureAwait(false)];

    public static async Task<List<TemperatureRow>> TemperaturesAfterAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset after, DateTimeOffset to, CancellationToken ct) =>
        [.. await c.QueryAsync<TemperatureRow>(Dialect.Command(c, tx, TemperaturesAfter, new { PatientId = patientId, After = after, To = to }, ct)).ConfigureAwait(false)];
}
