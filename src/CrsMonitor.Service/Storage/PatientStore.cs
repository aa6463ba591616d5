using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Dapper;

namespace CrsMonitor.Service.Storage;

/// <summary>A patient on a unit: an in-progress encounter at that location, with what the Patient resource said.</summary>
public sealed record PatientRow(string PatientId, string? DisplayName, DateOnly? BirthDate);

/// <summary>
/// Projections of Patient (<c>patient</c>: birth date, display name) and Encounter (<c>patient_encounter</c>: which
/// unit, i.e. Location id, a patient is on). Unit scoping reads these: a clinician reaches a patient only while the
/// patient has an in-progress encounter on one of the clinician's units.
/// </summary>
public static class PatientStore
{
    /// <summary>The FHIR Encounter.status code that places a patient on a unit.</summary>
    public const string InProgress = "in-progress";

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string UpsertPatient = """
        INSERT INTO patient (patient_id, birth_date, display_name, updated_at)
        VALUES (@PatientId, @BirthDate, @DisplayName, @UpdatedAt)
        ON CONFLICT (patient_id) DO UPDATE
        SET birth_date = excluded.birth_date, display_name = excluded.display_name, updated_at = excluded.updated_at
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string UpsertPatientSqlServer = """
        UPDATE patient WITH (UPDLOCK, SERIALIZABLE)
        SET birth_date = @BirthDate, display_name = @DisplayName, updated_at = @UpdatedAt
        WHERE patient_id = @PatientId;
        IF @@ROWCOUNT = 0
            INSERT INTO patient (patient_id, birth_date, display_name, updated_at)
            VALUES (@PatientId, @BirthDate, @DisplayName, @UpdatedAt);
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string UpsertEncounter = """
        INSERT INTO patient_encounter (encounter_id, patient_id, location_id, status, class_code, updated_at)
        VALUES (@EncounterId, @PatientId, @LocationId, @Status, @ClassCode, @UpdatedAt)
        ON CONFLICT (encounter_id) DO UPDATE
        SET patient_id = excluded.patient_id, location_id = excluded.location_id, status = excluded.status,
            class_code = excluded.class_code, updated_at = excluded.updated_at
        """;

    [Sql(StorageProvider.SqlServer)]
    private const string UpsertEncounterSqlServer = """
        UPDATE patient_encounter WITH (UPDLOCK, SERIALIZABLE)
        SET patient_id = @PatientId, location_id = @LocationId, status = @Status, class_code = @ClassCode, updated_at = @UpdatedAt
        WHERE encounter_id = @EncounterId;
        IF @@ROWCOUNT = 0
            INSERT INTO patient_encounter (encounter_id, patient_id, location_id, status, class_code, updated_at)
            VALUES (@EncounterId, @PatientId, @LocationId, @Status, @ClassCode, @UpdatedAt);
        """;

    [Sql]
    private const string BirthDate = "SELECT birth_date AS BirthDate FROM patient WHERE patient_id = @PatientId";

    [Sql]
    internal const string UnitsOfPatient = """
        SELECT DISTINCT location_id FROM patient_encounter
        WHERE patient_id = @PatientId AND status = @Status AND location_id IS NOT NULL
        ORDER BY location_id
        """;

    [Sql]
    private const string PatientsOfUnit = """
        SELECT DISTINCT e.patient_id AS PatientId, p.display_name AS DisplayName, p.birth_date AS BirthDate
        FROM patient_encounter e
        LEFT JOIN patient p ON p.patient_id = e.patient_id
        WHERE e.location_id = @LocationId AND e.status = @Status
        ORDER BY PatientId
        """;

    public static Task UpsertPatientAsync(
        DbConnection c, DbTransaction tx, string patientId, DateOnly? birthDate, string? displayName, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.ExecuteAsync(Dialect.Command(c, tx, Dialect.Pick(c, UpsertPatient, UpsertPatientSqlServer),
            new { PatientId = patientId, BirthDate = birthDate, DisplayName = StoredText.Clean(displayName, 400), UpdatedAt = now }, ct));
    }

    /// <summary>Keeps an encounter's patient, location (unit), status (FHIR code, e.g. <see cref="InProgress"/>) and class.</summary>
    public static Task UpsertEncounterAsync(
        DbConnection c, DbTransaction tx, string encounterId, string patientId, string? locationId, string status, string? classCode,
        DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return c.ExecuteAsync(Dialect.Command(c, tx, Dialect.Pick(c, UpsertEncounter, UpsertEncounterSqlServer),
            new
            {
                EncounterId = encounterId,
                PatientId = patientId,
                LocationId = locationId,
                Status = StoredText.Clean(status, 32),
                ClassCode = StoredText.Clean(classCode, 64),
                UpdatedAt = now,
            },
            ct));
    }

    /// <summary>The birth date from the patient's Patient resource, or null (unknown patient or no birth date).</summary>
    public static async Task<DateOnly?> BirthDateAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var row = await c.QuerySingleOrDefaultAsync<BirthDateRow>(Dialect.Command(c, tx, BirthDate, new { PatientId = patientId }, ct)).ConfigureAwait(false);
        return row?.BirthDate;
    }

    /// <summary>The units (Location ids) of the patient's in-progress encounters.</summary>
    public static async Task<IReadOnlyList<string>> UnitsOfPatientAsync(DbConnection c, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return [.. await c.QueryAsync<string>(Dialect.Command(c, null, UnitsOfPatient, new { PatientId = patientId, Status = InProgress }, ct)).ConfigureAwait(false)];
    }

    /// <summary>The patients with an in-progress encounter at <paramref name="unit"/>, by patient id.</summary>
    public static async Task<IReadOnlyList<PatientRow>> PatientsOfUnitAsync(DbConnection c, string unit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var rows = await c.QueryAsync<PatientUnitRow>(Dialect.Command(c, null, PatientsOfUnit, new { LocationId = unit, Status = InProgress }, ct)).ConfigureAwait(false);
        return [.. rows.Select(r => new PatientRow(r.PatientId, r.DisplayName, r.BirthDate))];
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class BirthDateRow
    {
        public DateOnly? BirthDate { get; init; }
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class PatientUnitRow
    {
        public string PatientId { get; init; } = "";
        public string? DisplayName { get; init; }
        public DateOnly? BirthDate { get; init; }
    }
}
