using CrsMonitor.Grading;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>What continuous grading needs to know about the patient besides readings (age for ICANS-AGE).</summary>
public sealed record PatientFacts(string PatientId, DateOnly? BirthDate);

/// <summary>
/// One input a grade rests on: its value as a clinician reads it, when it was true, the stored resource version it
/// came from, and whether it was stale at the graded instant (a stale input is shown, never used).
/// </summary>
public sealed record BasisInput(string Name, string Value, DateTimeOffset At, ReadingSource Source, bool Stale);

/// <summary>
/// The grade of one scale (<c>crs</c> or <c>icans</c>) at an instant, with its basis, the inputs that were stale or
/// missing, and the readings that caused it (grading-rules.md sections 4 and 5).
/// </summary>
public sealed record GradePoint(
    Scale Scale,
    DateTimeOffset At,
    GradeResult Result,
    IReadOnlyList<BasisInput> Basis,
    IReadOnlyList<string> StaleOrMissing,
    IReadOnlyList<ReadingSource> Cause);

/// <summary>
/// A CRS or ICANS episode: opened at the first grade ≥ 1, resolved after the episode-close period with no qualifying
/// finding (<see cref="ResolvedAt"/> is that closing instant), with its maximum grade, when it was first reached, and
/// the drug keys of the treatments given during it.
/// </summary>
public sealed record Episode(
    Scale Scale,
    DateTimeOffset OnsetAt,
    int MaxGrade,
    DateTimeOffset MaxAt,
    DateTimeOffset? ResolvedAt,
    IReadOnlyList<string> Treatments);

/// <summary>
/// A patient's grade timeline: one point per change of (status, grade, reason, flags) of a scale, the episodes, and the
/// checkpoints a later write resumes from (the state before the first instant graded in each
/// <see cref="GradeTimeline.CheckpointEvery"/> and before the last instant graded).
/// </summary>
public sealed record Timeline(IReadOnlyList<GradePoint> Points, IReadOnlyList<Episode> Episodes)
{
    public IReadOnlyList<TimelineSeed> Checkpoints { get; init; } = [];
}
