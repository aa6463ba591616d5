using System.Data.Common;
using System.Text.Json;
using CrsMonitor.Grading;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// Continuous grading (grading-rules.md section 5): after a patient's readings change, recompute that patient's
/// grade timeline and episodes from the earliest changed instant onward, inside the caller's transaction, so a late
/// or out-of-order reading re-grades what follows it and the stored timeline never depends on arrival order.
/// </summary>
public sealed class GradeRecalculator(IOptions<GradingSettings> grading, IOptions<ContinuousGradingSettings> continuous)
{
    /// <summary>
    /// Re-grades the patient from <paramref name="from"/>: from the latest checkpoint at or before it, over the bounded
    /// readings that checkpoint needs (<see cref="BoundedReadings"/>), never from the start of the course unless there is
    /// no checkpoint (a new patient, a birth date changed, <c>regrade</c>). Returns the readings it loaded under the
    /// patient's lock, for the rest of the same unit of work (alerts) to use.
    /// </summary>
    public async Task<IReadOnlyList<Readings.Reading>> RecalculateAsync(
        DbConnection connection, DbTransaction transaction, string patientId, DateTimeOffset from, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // The caller holds the patient's lock (PatientWork; regrade).
        var (facts, seed, readings) = await GradingState.LoadAsync(connection, transaction, patientId, from, continuous.Value, cancellationToken).ConfigureAwait(false);

        // Store nothing after "now" (or after the latest reading, should a device clock run ahead): expiry points in the
        // future (a temperature going stale in 4 h) are not facts yet; the status endpoint grades at its own "now".
        var until = readings.Select(r => r.EndAt is { } end && end > r.EffectiveAt ? end : r.EffectiveAt).Append(now).Max();
        var timeline = GradeTimeline.Compute(facts, readings, grading.Value, continuous.Value, until, seed);
        var start = seed?.At ?? DateTimeOffset.MinValue;
        var points = timeline.Points
            .Select(p => new GradePointRow(
                patientId, p.Scale, p.At, Vocabulary.GradeStatus.Code(p.Result.Status), p.Result.Grade, p.Result.Reason,
                JsonSerializer.Serialize(GradePointDocument.From(p), GradePointDocument.JsonOptions),
                JsonSerializer.Serialize(p.Cause, GradePointDocument.JsonOptions),
                now))
            .ToList();
        var episodes = timeline.Episodes
            .Select(e => new EpisodeRow(patientId, e.Scale, e.OnsetAt, e.MaxGrade, e.MaxAt, e.ResolvedAt,
                JsonSerializer.Serialize(e.Treatments, GradePointDocument.JsonOptions)))
            .ToList();
        await TimelineWriteBack.ReplaceAsync(connection, transaction, patientId, start, points, episodes, timeline.Checkpoints, cancellationToken).ConfigureAwait(false);
        return readings;
    }
}
