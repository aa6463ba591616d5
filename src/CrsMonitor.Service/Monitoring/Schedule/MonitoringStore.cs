using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>A grade point as the check schedule needs it (intensification triggers).</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class GradeStep
{
    public Scale Scale { get; set; }
    public DateTimeOffset At { get; set; }
    public int? Grade { get; set; }
}

/// <summary>An episode as the monitoring rules need it (extended monitoring, confirmation, "nothing active").</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class EpisodeSpan
{
    public Scale Scale { get; set; }
    public DateTimeOffset OnsetAt { get; set; }
    public int MaxGrade { get; set; }
    public DateTimeOffset MaxAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }

    public bool ActiveAt(DateTimeOffset at) => OnsetAt <= at && (ResolvedAt is not { } r || r > at);
}

/// <summary>A window that should have been woken by now (the watchdog's query).</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class DueWindow
{
    public string Id { get; set; } = "";
    public string PatientId { get; set; } = "";
    public DateTimeOffset NextWakeAt { get; set; }
}

/// <summary>The SQL of <c>schemas/sql/*/0002_monitoring.sql</c>'s tables (doses, windows, decisions, slots, events).</summary>
internal static class MonitoringStore
{
    private const string DoseColumns = """
        id AS Id, patient_id AS PatientId, drug_key AS DrugKey, administration_id AS AdministrationId, started_at AS StartedAt,
        ended_at AS EndedAt, protocol_id AS ProtocolId, cycle AS Cycle, day AS Day, sequence_basis AS SequenceBasis,
        extended_monitoring AS ExtendedMonitoring, extended_reason AS ExtendedReason, confirmation_required AS ConfirmationRequired,
        corrected_by AS CorrectedBy, correction_reason AS CorrectionReason, recorded_at AS RecordedAt
        """;

    [Sql]
    internal const string DosesOfPatient = "SELECT " + DoseColumns + " FROM monitoring_dose WHERE patient_id = @PatientId ORDER BY started_at, id";

    [Sql]
    private const string InsertDose = """
        INSERT INTO monitoring_dose (id, patient_id, drug_key, administration_id, started_at, ended_at, protocol_id, cycle, day,
            sequence_basis, extended_monitoring, extended_reason, confirmation_required, corrected_by, correction_reason, recorded_at)
        VALUES (@Id, @PatientId, @DrugKey, @AdministrationId, @StartedAt, @EndedAt, @ProtocolId, @Cycle, @Day,
            @SequenceBasisCode, @ExtendedMonitoring, @ExtendedReason, @ConfirmationRequired, @CorrectedBy, @CorrectionReason, @RecordedAt)
        """;

    [Sql]
    private const string UpdateDose = """
        UPDATE monitoring_dose SET started_at = @StartedAt, ended_at = @EndedAt, protocol_id = @ProtocolId, cycle = @Cycle, day = @Day,
            sequence_basis = @SequenceBasisCode, extended_monitoring = @ExtendedMonitoring, extended_reason = @ExtendedReason,
            confirmation_required = @ConfirmationRequired, corrected_by = @CorrectedBy, correction_reason = @CorrectionReason
        WHERE id = @Id
        """;

    [Sql]
    private const string PatientOfDose = "SELECT patient_id FROM monitoring_dose WHERE id = @Id";

    [Sql]
    private const string DeleteDose = "DELETE FROM monitoring_dose WHERE id = @Id";

    private const string WindowColumns = """
        id AS Id, patient_id AS PatientId, dose_id AS DoseId, protocol_id AS ProtocolId, protocol_window_id AS ProtocolWindowId,
        setting AS SettingCode, anchor AS Anchor, opens_at AS OpensAt, earliest_end_at AS EarliestEndAt, latest_end_at AS LatestEndAt,
        extended AS Extended, source AS Source, state AS State, closed_at AS ClosedAt, next_wake_at AS NextWakeAt,
        created_at AS CreatedAt, created_by AS CreatedBy
        """;

    [Sql]
    private const string WindowsOfPatient = "SELECT " + WindowColumns + " FROM monitoring_window WHERE patient_id = @PatientId ORDER BY opens_at, id";

    [Sql]
    internal const string CountWindows = "SELECT COUNT(*) FROM monitoring_window WHERE patient_id = @PatientId";

    [Sql]
    private const string WindowById = "SELECT " + WindowColumns + " FROM monitoring_window WHERE id = @Id";

    [Sql]
    private const string InsertWindow = """
        INSERT INTO monitoring_window (id, patient_id, dose_id, protocol_id, protocol_window_id, setting, anchor, opens_at,
            earliest_end_at, latest_end_at, extended, source, state, closed_at, next_wake_at, created_at, created_by)
        VALUES (@Id, @PatientId, @DoseId, @ProtocolId, @ProtocolWindowId, @SettingCode, @Anchor, @OpensAt,
            @EarliestEndAt, @LatestEndAt, @Extended, @Source, @StateCode, @ClosedAt, @NextWakeAt, @CreatedAt, @CreatedBy)
        """;

    [Sql]
    private const string UpdateWindow = """
        UPDATE monitoring_window SET opens_at = @OpensAt, earliest_end_at = @EarliestEndAt, latest_end_at = @LatestEndAt,
            extended = @Extended, state = @StateCode, closed_at = @ClosedAt, next_wake_at = @NextWakeAt
        WHERE id = @Id
        """;

    [Sql]
    private const string DueWindows = """
        SELECT id AS Id, patient_id AS PatientId, next_wake_at AS NextWakeAt FROM monitoring_window
        WHERE state = 'open' AND next_wake_at IS NOT NULL AND next_wake_at <= @Before
        ORDER BY next_wake_at
        """;

    [Sql]
    private const string OpenWindowsWithWake = """
        SELECT id AS Id, patient_id AS PatientId, next_wake_at AS NextWakeAt FROM monitoring_window
        WHERE state = 'open' AND next_wake_at IS NOT NULL
        """;

    [Sql]
    private const string DecisionsOfPatient = """
        SELECT d.id AS Id, d.window_id AS WindowId, d.action AS Action, d.decision AS Decision, d.hours AS Hours, d.reason AS Reason,
               d.decided_at AS DecidedAt, d.decided_by AS DecidedBy, d.role AS Role, d.detail AS Detail
        FROM window_decision d JOIN monitoring_window w ON w.id = d.window_id
        WHERE w.patient_id = @PatientId
        ORDER BY d.decided_at, d.id
        """;

    [Sql]
    private const string InsertDecision = """
        INSERT INTO window_decision (id, window_id, action, decision, hours, reason, decided_at, decided_by, role, detail)
        VALUES (@Id, @WindowId, @Action, @Decision, @Hours, @Reason, @DecidedAt, @DecidedBy, @Role, @Detail)
        """;

    [Sql]
    private const string SlotsOfPatient = """
        SELECT s.id AS Id, s.window_id AS WindowId, s.kind AS Kind, s.due_at AS DueAt, s.overdue_at AS OverdueAt, s.basis AS Basis,
               s.state AS State, s.done_at AS DoneAt, s.done_by AS DoneBy
        FROM check_slot s JOIN monitoring_window w ON w.id = s.window_id
        WHERE w.patient_id = @PatientId
        ORDER BY s.due_at, s.kind
        """;

    // The refresh's: only the open windows' slots (a long course's closed windows are history).
    [Sql]
    private const string SlotsOfOpenWindows = """
        SELECT s.id AS Id, s.window_id AS WindowId, s.kind AS Kind, s.due_at AS DueAt, s.overdue_at AS OverdueAt, s.basis AS Basis,
               s.state AS State, s.done_at AS DoneAt, s.done_by AS DoneBy
        FROM check_slot s JOIN monitoring_window w ON w.id = s.window_id
        WHERE w.patient_id = @PatientId AND w.state = 'open'
        ORDER BY s.due_at, s.kind
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertSlotIfNew = """
        INSERT INTO check_slot (id, window_id, kind, due_at, overdue_at, basis, state, done_at, done_by)
        VALUES (@Id, @WindowId, @Kind, @DueAt, @OverdueAt, @Basis, @StateCode, @DoneAt, @DoneBy)
        ON CONFLICT DO NOTHING
        """;

    [Sql]
    private const string InsertSlot = """
        INSERT INTO check_slot (id, window_id, kind, due_at, overdue_at, basis, state, done_at, done_by)
        VALUES (@Id, @WindowId, @Kind, @DueAt, @OverdueAt, @Basis, @StateCode, @DoneAt, @DoneBy)
        """;

    [Sql]
    private const string UpdateSlot = """
        UPDATE check_slot SET overdue_at = @OverdueAt, basis = @Basis, state = @StateCode, done_at = @DoneAt, done_by = @DoneBy WHERE id = @Id
        """;

    [Sql(StorageProvider.Sqlite, StorageProvider.Postgres)]
    private const string InsertEventIfNew = """
        INSERT INTO monitoring_event (patient_id, window_id, slot_id, kind, dedupe_key, occurred_at, recorded_at, recorded_by, operational, detail)
        VALUES (@PatientId, @WindowId, @SlotId, @Kind, @DedupeKey, @OccurredAt, @RecordedAt, @RecordedBy, @Operational, @Detail)
        ON CONFLICT DO NOTHING
        """;

    [Sql]
    private const string InsertEvent = """
        INSERT INTO monitoring_event (patient_id, window_id, slot_id, kind, dedupe_key, occurred_at, recorded_at, recorded_by, operational, detail)
        VALUES (@PatientId, @WindowId, @SlotId, @Kind, @DedupeKey, @OccurredAt, @RecordedAt, @RecordedBy, @Operational, @Detail)
        """;

    [Sql]
    private const string EventsOfPatient = """
        SELECT id AS Id, patient_id AS PatientId, window_id AS WindowId, slot_id AS SlotId, kind AS Kind, dedupe_key AS DedupeKey,
               occurred_at AS OccurredAt, recorded_at AS RecordedAt, recorded_by AS RecordedBy, operational AS Operational, detail AS Detail
        FROM monitoring_event WHERE patient_id = @PatientId
        ORDER BY occurred_at, id
        """;

    [Sql]
    private const string EligibleWindows = """
        SELECT window_id FROM monitoring_event WHERE patient_id = @PatientId AND kind = 'eligible-for-discharge'
        """;

    [Sql]
    private const string GradeSteps = """
        SELECT scale AS Scale, effective_at AS At, grade AS Grade FROM grade_point WHERE patient_id = @PatientId ORDER BY effective_at, scale
        """;

    [Sql]
    internal const string EpisodesOfPatient = """
        SELECT scale AS Scale, onset_at AS OnsetAt, max_grade AS MaxGrade, max_at AS MaxAt, resolved_at AS ResolvedAt
        FROM episode WHERE patient_id = @PatientId ORDER BY onset_at, scale
        """;

    public static async Task<List<DoseRow>> DosesAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<DoseRow>(Dialect.Command(c, tx, DosesOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task InsertDoseAsync(DbConnection c, DbTransaction tx, DoseRow dose, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertDose, dose, ct));

    public static Task UpdateDoseAsync(DbConnection c, DbTransaction tx, DoseRow dose, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, UpdateDose, dose, ct));

    public static Task<string?> PatientOfDoseAsync(DbConnection c, string doseId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<string?>(Dialect.Command(c, null, PatientOfDose, new { Id = doseId }, ct));

    public static Task DeleteDoseAsync(DbConnection c, DbTransaction tx, string id, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, DeleteDose, new { Id = id }, ct));

    public static async Task<List<WindowRow>> WindowsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<WindowRow>(Dialect.Command(c, tx, WindowsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task<WindowRow?> WindowAsync(DbConnection c, DbTransaction? tx, string id, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<WindowRow>(Dialect.Command(c, tx, WindowById, new { Id = id }, ct));

    public static Task InsertWindowAsync(DbConnection c, DbTransaction tx, WindowRow window, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertWindow, window, ct));

    public static Task UpdateWindowAsync(DbConnection c, DbTransaction tx, WindowRow window, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, UpdateWindow, window, ct));

    public static async Task<IReadOnlyList<DueWindow>> DueWindowsAsync(DbConnection c, DateTimeOffset before, CancellationToken ct) =>
        [.. await c.QueryAsync<DueWindow>(Dialect.Command(c, null, DueWindows, new { Before = before }, ct)).ConfigureAwait(false)];

    public static async Task<IReadOnlyList<DueWindow>> WakesAsync(DbConnection c, CancellationToken ct) =>
        [.. await c.QueryAsync<DueWindow>(Dialect.Command(c, null, OpenWindowsWithWake, null, ct)).ConfigureAwait(false)];

    public static async Task<List<DecisionRow>> DecisionsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<DecisionRow>(Dialect.Command(c, tx, DecisionsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task InsertDecisionAsync(DbConnection c, DbTransaction tx, DecisionRow decision, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertDecision, decision, ct));

    public static async Task<List<SlotRow>> SlotsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<SlotRow>(Dialect.Command(c, tx, SlotsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>The slots of the patient's open windows (what a refresh can change).</summary>
    public static async Task<List<SlotRow>> OpenWindowSlotsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<SlotRow>(Dialect.Command(c, tx, SlotsOfOpenWindows, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>The windows of the patient for which "eligible for discharge" is already recorded.</summary>
    public static async Task<HashSet<string>> EligibleWindowIdsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        (await c.QueryAsync<string>(Dialect.Command(c, tx, EligibleWindows, new { PatientId = patientId }, ct)).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);

    public static Task<bool> TryInsertSlotAsync(DbConnection c, DbTransaction tx, SlotRow slot, CancellationToken ct) =>
        Dialect.TryInsertAsync(c, tx, InsertSlotIfNew, InsertSlot, slot, ct);

    public static Task UpdateSlotAsync(DbConnection c, DbTransaction tx, SlotRow slot, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, UpdateSlot, slot, ct));

    /// <summary>Records an event unless the same (window, dedupe key) is already recorded; true when this call recorded it.</summary>
    public static Task<bool> TryInsertEventAsync(DbConnection c, DbTransaction tx, EventRow e, CancellationToken ct) =>
        Dialect.TryInsertAsync(c, tx, InsertEventIfNew, InsertEvent, e, ct);

    public static async Task<List<EventRow>> EventsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<EventRow>(Dialect.Command(c, tx, EventsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static async Task<IReadOnlyList<GradeStep>> GradeStepsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<GradeStep>(Dialect.Command(c, tx, GradeSteps, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static async Task<IReadOnlyList<EpisodeSpan>> EpisodesAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<EpisodeSpan>(Dialect.Command(c, tx, EpisodesOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>The result of <see cref="EpisodesOfPatient"/> in a batch (<see cref="Assessment.PatientSnapshot"/>).</summary>
    internal static async Task<IReadOnlyList<EpisodeSpan>> EpisodesAsync(SqlMapper.GridReader grid) =>
        [.. await grid.ReadAsync<EpisodeSpan>().ConfigureAwait(false)];

    /// <summary>The result of <see cref="DosesOfPatient"/> in a batch.</summary>
    internal static async Task<List<DoseRow>> DosesAsync(SqlMapper.GridReader grid) =>
        [.. await grid.ReadAsync<DoseRow>().ConfigureAwait(false)];

    /// <summary>The result of <see cref="CountWindows"/> in a batch.</summary>
    internal static async Task<bool> HasWindowsAsync(SqlMapper.GridReader grid) =>
        await grid.ReadSingleAsync<long>().ConfigureAwait(false) > 0;
}
