using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Devices;

/// <summary>A row of <c>device_enrolment</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class EnrolmentRow
{
    public string Id { get; set; } = "";
    public string PatientId { get; set; } = "";
    public string Device { get; set; } = "";
    public int GraceSeconds { get; set; }
    public DateTimeOffset EnrolledAt { get; set; }
    public string EnrolledBy { get; set; } = "";
    public string? Reason { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public string? EndedBy { get; set; }
}

/// <summary>A row of <c>device_stream</c>, with its enrolment's device, grace and start (read joined).</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class StreamRow
{
    public string EnrolmentId { get; set; } = "";
    public string Signal { get; set; } = "";
    public string PatientId { get; set; } = "";
    public int EverySeconds { get; set; }
    public DateTimeOffset? LastAt { get; set; }
    public DateTimeOffset? DueAt { get; set; }
    public string Device { get; set; } = "";
    public int GraceSeconds { get; set; }
    public DateTimeOffset EnrolledAt { get; set; }
}

/// <summary>A row of <c>device_wear</c>.</summary>
[SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
public sealed class WearRow
{
    public string WindowId { get; set; } = "";
    public string EnrolmentId { get; set; } = "";
    public string PatientId { get; set; } = "";
    public long WornMs { get; set; }
    public DateTimeOffset? LastAt { get; set; }
    public string? LastSignal { get; set; }
}

/// <summary>A device reading as the stream bookkeeping needs it: what, from which device, when.</summary>
public sealed record DeviceReading(ReadingKind Kind, string Device, DateTimeOffset At);

/// <summary>The SQL of <c>schemas/sql/*/0013_device_streams.sql</c>.</summary>
internal static class DeviceStore
{
    private const string EnrolmentColumns = """
        id AS Id, patient_id AS PatientId, device AS Device, grace_seconds AS GraceSeconds, enrolled_at AS EnrolledAt,
        enrolled_by AS EnrolledBy, reason AS Reason, ended_at AS EndedAt, ended_by AS EndedBy
        """;

    private const string StreamColumns = """
        s.enrolment_id AS EnrolmentId, s.signal AS Signal, s.patient_id AS PatientId, s.every_seconds AS EverySeconds,
        s.last_at AS LastAt, s.due_at AS DueAt, e.device AS Device, e.grace_seconds AS GraceSeconds, e.enrolled_at AS EnrolledAt
        """;

    [Sql]
    private const string InsertEnrolment = """
        INSERT INTO device_enrolment (id, patient_id, device, grace_seconds, enrolled_at, enrolled_by, reason, ended_at, ended_by)
        VALUES (@Id, @PatientId, @Device, @GraceSeconds, @EnrolledAt, @EnrolledBy, @Reason, @EndedAt, @EndedBy)
        """;

    [Sql]
    private const string EndEnrolment = "UPDATE device_enrolment SET ended_at = @EndedAt, ended_by = @EndedBy WHERE id = @Id AND ended_at IS NULL";

    [Sql]
    private const string EnrolmentsOfPatient = "SELECT " + EnrolmentColumns + " FROM device_enrolment WHERE patient_id = @PatientId ORDER BY enrolled_at, id";

    [Sql]
    private const string EnrolmentById = "SELECT " + EnrolmentColumns + " FROM device_enrolment WHERE id = @Id";

    [Sql]
    private const string InsertStream = """
        INSERT INTO device_stream (enrolment_id, signal, patient_id, every_seconds, last_at, due_at)
        VALUES (@EnrolmentId, @Signal, @PatientId, @EverySeconds, @LastAt, @DueAt)
        """;

    [Sql]
    private const string UpdateStream = "UPDATE device_stream SET last_at = @LastAt, due_at = @DueAt WHERE enrolment_id = @EnrolmentId AND signal = @Signal";

    [Sql]
    private const string ClearStreamsOfEnrolment = "UPDATE device_stream SET due_at = NULL WHERE enrolment_id = @Id";

    [Sql]
    internal const string ActiveStreamsOfPatient = "SELECT " + StreamColumns + """
         FROM device_stream s JOIN device_enrolment e ON e.id = s.enrolment_id
        WHERE s.patient_id = @PatientId AND e.ended_at IS NULL
        ORDER BY e.enrolled_at, s.enrolment_id, s.signal
        """;

    [Sql]
    private const string StreamsOfPatient = "SELECT " + StreamColumns + """
         FROM device_stream s JOIN device_enrolment e ON e.id = s.enrolment_id
        WHERE s.patient_id = @PatientId
        ORDER BY e.enrolled_at, s.enrolment_id, s.signal
        """;

    [Sql]
    private const string DuePatients = "SELECT DISTINCT patient_id FROM device_stream WHERE due_at IS NOT NULL AND due_at <= @Now";

    [Sql]
    private const string FirstDueOfPatient = "SELECT MIN(due_at) FROM device_stream WHERE patient_id = @PatientId AND due_at IS NOT NULL";

    [Sql]
    private const string DeviceReadingsFrom = """
        SELECT kind, device, effective_at FROM reading
        WHERE patient_id = @PatientId AND effective_at >= @From AND device IS NOT NULL
        ORDER BY effective_at
        """;

    [Sql]
    private const string WearOfPatient = """
        SELECT window_id AS WindowId, enrolment_id AS EnrolmentId, patient_id AS PatientId, worn_ms AS WornMs, last_at AS LastAt, last_signal AS LastSignal
        FROM device_wear WHERE patient_id = @PatientId ORDER BY window_id, enrolment_id
        """;

    [Sql]
    private const string InsertWear = """
        INSERT INTO device_wear (window_id, enrolment_id, patient_id, worn_ms, last_at, last_signal)
        VALUES (@WindowId, @EnrolmentId, @PatientId, @WornMs, @LastAt, @LastSignal)
        """;

    [Sql]
    private const string UpdateWear = "UPDATE device_wear SET worn_ms = @WornMs, last_at = @LastAt, last_signal = @LastSignal WHERE window_id = @WindowId AND enrolment_id = @EnrolmentId";

    public static Task InsertEnrolmentAsync(DbConnection c, DbTransaction tx, EnrolmentRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertEnrolment, row, ct));

    /// <summary>Ends an enrolment still running; false when it had ended already. Its streams are due no more.</summary>
    public static async Task<bool> EndEnrolmentAsync(DbConnection c, DbTransaction tx, string id, DateTimeOffset at, string by, CancellationToken ct)
    {
        var ended = await c.ExecuteAsync(Dialect.Command(c, tx, EndEnrolment, new { Id = id, EndedAt = at, EndedBy = by }, ct)).ConfigureAwait(false) == 1;
        await c.ExecuteAsync(Dialect.Command(c, tx, ClearStreamsOfEnrolment, new { Id = id }, ct)).ConfigureAwait(false);
        return ended;
    }

    public static async Task<IReadOnlyList<EnrolmentRow>> EnrolmentsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<EnrolmentRow>(Dialect.Command(c, tx, EnrolmentsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task<EnrolmentRow?> EnrolmentAsync(DbConnection c, DbTransaction? tx, string id, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<EnrolmentRow?>(Dialect.Command(c, tx, EnrolmentById, new { Id = id }, ct));

    public static Task InsertStreamAsync(DbConnection c, DbTransaction tx, StreamRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, InsertStream, row, ct));

    public static Task UpdateStreamAsync(DbConnection c, DbTransaction tx, StreamRow row, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, UpdateStream, row, ct));

    /// <summary>The streams of the patient's running enrolments (one statement: what every patient pass reads).</summary>
    public static async Task<IReadOnlyList<StreamRow>> ActiveStreamsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<StreamRow>(Dialect.Command(c, tx, ActiveStreamsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>The result of <see cref="ActiveStreamsOfPatient"/> in a batch (<see cref="Assessment.PatientSnapshot"/>).</summary>
    internal static async Task<IReadOnlyList<StreamRow>> ActiveStreamsAsync(SqlMapper.GridReader grid) =>
        [.. await grid.ReadAsync<StreamRow>().ConfigureAwait(false)];

    /// <summary>Every stream of the patient, ended enrolments' too.</summary>
    public static async Task<IReadOnlyList<StreamRow>> StreamsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<StreamRow>(Dialect.Command(c, tx, StreamsOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    /// <summary>Patients with a stream due at <paramref name="now"/>.</summary>
    public static async Task<IReadOnlyList<string>> DueAsync(DbConnection c, DateTimeOffset now, CancellationToken ct) =>
        [.. await c.QueryAsync<string>(Dialect.Command(c, null, DuePatients, new { Now = now }, ct)).ConfigureAwait(false)];

    /// <summary>The earliest due instant of the patient's streams; null when none is due.</summary>
    public static async Task<DateTimeOffset?> FirstDueAsync(DbConnection c, DbTransaction tx, string patientId, CancellationToken ct) =>
        await c.ExecuteScalarAsync<object?>(Dialect.Command(c, tx, FirstDueOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false) is { } value and not DBNull
            ? DbTypes.ReadInstant(value)
            : null;

    /// <summary>
    /// The patient's readings that name a device, from <paramref name="from"/> on (the earliest instant this unit of work
    /// changed): bounded by what the write brought, never the stream's history.
    /// </summary>
    public static async Task<IReadOnlyList<DeviceReading>> ReadingsFromAsync(DbConnection c, DbTransaction tx, string patientId, DateTimeOffset from, CancellationToken ct) =>
        await RowReader.ListAsync(c, Dialect.Command(c, tx, DeviceReadingsFrom, new { PatientId = patientId, From = from }, ct),
            reader => new DeviceReading(Enum.Parse<ReadingKind>(reader.GetString(0)), reader.GetString(1), DbTypes.ReadInstant(reader.GetValue(2))), ct).ConfigureAwait(false);

    public static async Task<IReadOnlyList<WearRow>> WearAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        [.. await c.QueryAsync<WearRow>(Dialect.Command(c, tx, WearOfPatient, new { PatientId = patientId }, ct)).ConfigureAwait(false)];

    public static Task SaveWearAsync(DbConnection c, DbTransaction tx, WearRow row, bool exists, CancellationToken ct) =>
        c.ExecuteAsync(Dialect.Command(c, tx, exists ? UpdateWear : InsertWear, row, ct));
}
