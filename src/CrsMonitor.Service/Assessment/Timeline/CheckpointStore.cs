using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The checkpoints of each patient's timeline (<c>grade_checkpoint</c>): a write resumes grading from the latest one at
/// or before its earliest changed instant instead of from the start of the course.
/// </summary>
public static class CheckpointStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Always one row: the patient's birth date (an input of the ICANS scale) with the checkpoint, either possibly absent.
    [Sql]
    private const string AtOrBefore = """
        SELECT p.birth_date AS BirthDate, g.at AS At, g.state AS State
        FROM (SELECT 1 AS one) o
        LEFT JOIN patient p ON p.patient_id = @PatientId
        LEFT JOIN grade_checkpoint g ON g.patient_id = @PatientId
          AND g.at = (SELECT MAX(m.at) FROM grade_checkpoint m WHERE m.patient_id = @PatientId AND m.at <= @At)
        """;

    [Sql]
    internal const string DeleteAfter = "DELETE FROM grade_checkpoint WHERE patient_id = @PatientId AND at > @From";

    [Sql]
    internal const string Insert = "INSERT INTO grade_checkpoint (patient_id, at, state) VALUES (@PatientId, @At, @State)";

    /// <summary>
    /// The patient's facts and the latest checkpoint at or before <paramref name="at"/>, or a null seed (none, or one this
    /// version cannot read: grade from the start), in one statement.
    /// </summary>
    public static async Task<(PatientFacts Facts, TimelineSeed? Seed)> AtOrBeforeAsync(
        DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var row = await c.QuerySingleAsync<Row>(Dialect.Command(c, tx, AtOrBefore, new { PatientId = patientId, At = at }, ct)).ConfigureAwait(false);
        return (new PatientFacts(patientId, row.BirthDate), Seed(row));
    }

    private static TimelineSeed? Seed(Row row)
    {
        if (row.At is not { } checkpointAt || row.State is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<TimelineSeed>(row.State, Json) is { } seed && seed.At == checkpointAt ? seed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A checkpoint's state as <c>grade_checkpoint.state</c> holds it (what <see cref="Insert"/> binds as <c>@State</c>).</summary>
    internal static string StateOf(TimelineSeed checkpoint) => JsonSerializer.Serialize(checkpoint, Json);

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class Row
    {
        public DateOnly? BirthDate { get; init; }
        public DateTimeOffset? At { get; init; }
        public string? State { get; init; }
    }
}
