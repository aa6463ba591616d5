using System.Data.Common;
using System.Globalization;
using Dapper;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Storage;

/// <summary>
/// The readings derived from the CURRENT version of each stored resource (<c>reading</c>). A new version replaces the
/// readings of the old one; an entered-in-error version yields none, so its readings disappear.
/// </summary>
public static class ReadingStore
{
    [Sql]
    private const string EffectiveOfSource = "SELECT effective_at, kind FROM reading WHERE source_type = @SourceType AND source_id = @SourceId";

    [Sql]
    private const string DeleteSource = "DELETE FROM reading WHERE source_type = @SourceType AND source_id = @SourceId";

    [Sql]
    private const string Insert = """
        INSERT INTO reading (patient_id, kind, effective_at, end_at, value, original_value, code, qualifier, detail,
                             source_type, source_id, source_version, sequence, reported_by, device)
        VALUES (@PatientId, @Kind, @EffectiveAt, @EndAt, @Value, @OriginalValue, @Code, @Qualifier, @Detail,
                @SourceType, @SourceId, @SourceVersion, @Sequence, @ReportedBy, @Device)
        """;

    [Sql]
    private const string OfPatient = """
        SELECT patient_id AS PatientId, kind AS Kind, effective_at AS EffectiveAt, end_at AS EndAt, value AS Value,
               original_value AS OriginalValue, code AS Code, qualifier AS Qualifier, detail AS Detail,
               source_type AS SourceType, source_id AS SourceId, source_version AS SourceVersion, sequence AS Sequence, reported_by AS ReportedBy
        FROM reading
        WHERE patient_id = @PatientId AND effective_at >= @From AND effective_at <= @To
        ORDER BY effective_at, source_type, source_id, sequence
        """;

    // Every reading but the laboratory results: grading never reads labs (CRS-ORGAN), so a long course's labs are not loaded for it.
    [Sql]
    private const string GradedOfPatient = """
        SELECT patient_id AS PatientId, kind AS Kind, effective_at AS EffectiveAt, end_at AS EndAt, value AS Value,
               original_value AS OriginalValue, code AS Code, qualifier AS Qualifier, detail AS Detail,
               source_type AS SourceType, source_id AS SourceId, source_version AS SourceVersion, sequence AS Sequence, reported_by AS ReportedBy
        FROM reading
        WHERE patient_id = @PatientId AND kind <> 'Lab'
        ORDER BY effective_at, source_type, source_id, sequence
        """;

    /// <summary>
    /// Replaces the readings of one source resource with <paramref name="readings"/> (each must name that source), numbered
    /// by their position (<see cref="Reading.Sequence"/> is set from it). Returns the instant and kind of each reading it
    /// removed, so the caller re-grades from the earliest instant that changed (and not at all for labs alone).
    /// </summary>
    public static async Task<IReadOnlyList<ReplacedReading>> ReplaceAsync(
        DbConnection c, DbTransaction tx, string sourceType, string sourceId, IReadOnlyList<Reading> readings, bool newSource, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(readings);
        if (readings.Any(r => r.Source.ResourceType != sourceType || r.Source.ResourceId != sourceId))
        {
            throw new ArgumentException($"Every reading must come from {sourceType}/{sourceId}", nameof(readings));
        }

        IReadOnlyList<ReplacedReading> previous = [];
        if (!newSource)
        {
            var source = new { SourceType = sourceType, SourceId = sourceId };
            previous = await RowReader.ListAsync(c, Dialect.Command(c, tx, EffectiveOfSource, source, ct),
                reader => new ReplacedReading(DbTypes.ReadInstant(reader.GetValue(0)), Enum.Parse<ReadingKind>(reader.GetString(1))), ct).ConfigureAwait(false);
            await c.ExecuteAsync(Dialect.Command(c, tx, DeleteSource, source, ct)).ConfigureAwait(false);
        }

        if (readings.Count > 0)
        {
            var rows = readings.Select((r, i) => new
            {
                r.PatientId,
                Kind = r.Kind.ToString(),
                r.EffectiveAt,
                r.EndAt,
                r.Value,
                OriginalValue = StoredText.Clean(r.OriginalValue, 100),
                r.Code,
                r.Qualifier,
                Detail = StoredText.Clean(r.Detail?.Json),
                SourceType = r.Source.ResourceType,
                SourceId = r.Source.ResourceId,
                SourceVersion = r.Source.VersionId,
                Sequence = i,
                r.ReportedBy,
                Device = StoredText.Clean(r.Device, 200),
            });
            await c.ExecuteAsync(Dialect.Command(c, tx, Insert, rows, ct)).ConfigureAwait(false);
        }

        return previous;
    }

    /// <summary>All readings of a patient, laboratory results included, ordered by time then source.</summary>
    public static Task<IReadOnlyList<Reading>> ForPatientAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct) =>
        SearchAsync(c, tx, patientId, null, null, null, ct);

    /// <summary>
    /// Every reading of a patient that continuous grading reads (the whole-history load), ordered by time then source:
    /// all but the laboratory results, which are left out in SQL (CRS-ORGAN: a long course's labs are never loaded for grading).
    /// </summary>
    public static async Task<IReadOnlyList<Reading>> GradingInputsAsync(DbConnection c, DbTransaction? tx, string patientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        return await QueryAsync(c, Dialect.Command(c, tx, GradedOfPatient, new { PatientId = patientId }, ct), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Readings of a patient, optionally only of <paramref name="kinds"/> and with <see cref="Reading.EffectiveAt"/> in
    /// [<paramref name="from"/>, <paramref name="to"/>] (both inclusive), ordered by time then source.
    /// </summary>
    public static async Task<IReadOnlyList<Reading>> SearchAsync(
        DbConnection c, DbTransaction? tx, string patientId, IReadOnlyCollection<ReadingKind>? kinds, DateTimeOffset? from, DateTimeOffset? to,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);

        var command = Dialect.Command(c, tx, OfPatient, new { PatientId = patientId, From = from ?? DateTimeOffset.MinValue, To = to ?? DateTimeOffset.MaxValue }, ct);
        var readings = await QueryAsync(c, command, ct).ConfigureAwait(false);
        return kinds is null ? readings : [.. readings.Where(r => kinds.Contains(r.Kind))]; // IN-lists are expanded differently by provider
    }

    /// <summary>
    /// Runs a query whose columns are those of <see cref="OfPatient"/>, in order. Read by hand rather than by Dapper's
    /// mapper: the mapper's boxing per column was a measurable part of a loaded write.
    /// </summary>
    internal static async Task<IReadOnlyList<Reading>> QueryAsync(DbConnection c, CommandDefinition command, CancellationToken ct) =>
        await RowReader.ListAsync(c, command, Read, ct).ConfigureAwait(false);

    private static Reading Read(DbDataReader reader) => new()
    {
        PatientId = reader.GetString(0),
        Kind = Enum.Parse<ReadingKind>(reader.GetString(1)),
        EffectiveAt = DbTypes.ReadInstant(reader.GetValue(2)),
        EndAt = reader.IsDBNull(3) ? null : DbTypes.ReadInstant(reader.GetValue(3)),
        Value = reader.IsDBNull(4) ? null : DbTypes.ReadDecimal(reader.GetValue(4)),
        OriginalValue = Text(reader, 5),
        Code = Text(reader, 6),
        Qualifier = Text(reader, 7),
        Detail = ReadingDetail.Of(Text(reader, 8)),
        Source = new ReadingSource(reader.GetString(9), reader.GetString(10), Convert.ToInt32(reader.GetValue(11), CultureInfo.InvariantCulture)),
        Sequence = Convert.ToInt32(reader.GetValue(12), CultureInfo.InvariantCulture),
        ReportedBy = Text(reader, 13),
    };

    private static string? Text(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>A reading removed by <see cref="ReadingStore.ReplaceAsync"/>: when it was and what it measured.</summary>
public sealed record ReplacedReading(DateTimeOffset EffectiveAt, ReadingKind Kind);
