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

    [Sql]
    private const string AtOrBefore = """
        SELECT at AS At, state AS State FROM grade_checkpoint
        WHERE patient_id = @PatientId
          AND at = (SELECT MAX(m.at) FROM grade_checkpoint m WHERE m.patient_id = @PatientId AND m.at <= @At)
        """;

    [Sql]
    private const string DeleteFrom = "DELETE FROM grade_checkpoint WHERE patient_id = @PatientId AND at >= @From";

    [Sql]
    private const string Insert = "INSERT INTO grade_checkpoint (patient_id, at, state) VALUES (@PatientId, @At, @State)";

    /// <summary>The latest checkpoint at or before <paramref name="at"/>, or null (none, or one this version cannot read: grade from the start).</summary>
    public static async Task<TimelineSeed?> AtOrBeforeAsync(DbConnection c, DbTransaction? tx, string patientId, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        var row = await c.QuerySingleOrDefaultAsync<Row>(Dialect.Command(c, tx, AtOrBefore, new { PatientId = patientId, At = at }, ct)).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<TimelineSeed>(row.State, Json) is { } seed && seed.At == row.At ? seed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Replaces the checkpoints at or after <paramref name="from"/> with <paramref name="checkpoints"/> (each at or after it).</summary>
    public static async Task ReplaceAsync(
        DbConnection c, DbTransaction tx, string patientId, DateTimeOffset from, IReadOnlyList<TimelineSeed> checkpoints, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (checkpoints.Any(s => s.At < from))
        {
            throw new ArgumentException($"Every checkpoint must be at or after {from:O}", nameof(checkpoints));
        }

        await c.ExecuteAsync(Dialect.Command(c, tx, DeleteFrom, new { PatientId = patientId, From = from }, ct)).ConfigureAwait(false);
        if (checkpoints.Count > 0)
        {
            var rows = checkpoints.Select(s => new { PatientId = patientId, s.At, State = JsonSerializer.Serialize(s, Json) });
            await c.ExecuteAsync(Dialect.Command(c, tx, Insert, rows, ct)).ConfigureAwait(false);
        }
    }

    [SuppressMessage("Performance", "CA1812:Avoid uninstantiated internal classes", Justification = "Materialised by Dapper")]
    private sealed class Row
    {
        public DateTimeOffset At { get; init; }
        public string State { get; init; } = "";
    }
}
