using System.Data.Common;
using CrsMonitor.Service.Storage;
using Dapper;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// Writes a re-grading back from the instant it started at: the grade points of every scale at or after it, the episodes
/// open at it or opened after it (<see cref="GradeStore"/>'s statements), and the checkpoints after it
/// (<see cref="CheckpointStore"/>'s). The three deletes, and the one checkpoint a write in time order adds, are one command
/// (one round trip on PostgreSQL and SQL Server where they were four); new points and episodes, when the grade changed,
/// follow.
/// </summary>
public static class TimelineWriteBack
{
    // Joined by ';', by which the writer counts statements (SqlScriptTests: no statement constant holds one elsewhere).
    private const string Clear = GradeStore.DeletePointsFrom + ";\n" + GradeStore.DeleteEpisodes + ";\n" + CheckpointStore.DeleteAfter;
    private const string ClearThenCheckpoint = Clear + ";\n" + CheckpointStore.Insert;

    /// <summary>
    /// Replaces the patient's timelines of every scale from <paramref name="from"/> on with <paramref name="points"/> (each of
    /// that patient, at or after it), the episodes open at <paramref name="from"/> or opened after it with
    /// <paramref name="episodes"/>, and the checkpoints after it with those of <paramref name="checkpoints"/> after it. The
    /// checkpoint at <paramref name="from"/> itself, the seed a re-grading started from, is the state before that instant,
    /// which no change at or after it alters: it is kept rather than deleted and written again.
    /// </summary>
    public static async Task ReplaceAsync(
        DbConnection c, DbTransaction tx, string patientId, DateTimeOffset from,
        IReadOnlyList<GradePointRow> points, IReadOnlyList<EpisodeRow> episodes, IReadOnlyList<TimelineSeed> checkpoints, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentNullException.ThrowIfNull(checkpoints);
        if (points.Any(p => p.PatientId != patientId || p.EffectiveAt < from))
        {
            throw new ArgumentException($"Every point must be of {patientId} and at or after {from:O}", nameof(points));
        }

        if (episodes.Any(e => e.PatientId != patientId))
        {
            throw new ArgumentException($"Every episode must be of {patientId}", nameof(episodes));
        }

        if (checkpoints.Any(s => s.At < from))
        {
            throw new ArgumentException($"Every checkpoint must be at or after {from:O}", nameof(checkpoints));
        }

        var after = checkpoints.Where(s => s.At > from).Select(s => new { PatientId = patientId, s.At, State = CheckpointStore.StateOf(s) }).ToList();
        if (after.Count == 1)
        {
            await c.ExecuteAsync(Dialect.Command(c, tx, ClearThenCheckpoint, new { PatientId = patientId, From = from, after[0].At, after[0].State }, ct)).ConfigureAwait(false);
        }
        else
        {
            await c.ExecuteAsync(Dialect.Command(c, tx, Clear, new { PatientId = patientId, From = from }, ct)).ConfigureAwait(false);
            if (after.Count > 0)
            {
                await c.ExecuteAsync(Dialect.Command(c, tx, CheckpointStore.Insert, after, ct)).ConfigureAwait(false);
            }
        }

        if (points.Count > 0)
        {
            await c.ExecuteAsync(Dialect.Command(c, tx, GradeStore.InsertPoint, points, ct)).ConfigureAwait(false);
        }

        if (episodes.Count > 0)
        {
            await c.ExecuteAsync(Dialect.Command(c, tx, GradeStore.InsertEpisode, episodes, ct)).ConfigureAwait(false);
        }
    }
}
