using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The state of continuous grading just before the instant <see cref="At"/>: everything the timeline needs from the
/// instants before it (a checkpoint). Grading seeded with it from <see cref="At"/> on, over a bounded state's readings,
/// gives the points and episodes the whole-history computation gives from <see cref="At"/> on.
/// </summary>
public sealed record TimelineSeed(DateTimeOffset At, ScaleSeed Crs, ScaleSeed Icans);

/// <summary>
/// One scale's state before the seed's instant: the last point's key (status, grade, reason, flags) and cause, and the
/// episode in progress.
/// </summary>
public sealed record ScaleSeed(string? LastKey, IReadOnlyList<ReadingSource> LastCause, EpisodeSeed Episode);

/// <summary>The open episode of a scale (<see cref="Onset"/> null: none), as <see cref="EpisodeTracker"/> keeps it.</summary>
public sealed record EpisodeSeed(
    DateTimeOffset? Onset, int MaxGrade, DateTimeOffset MaxAt, DateTimeOffset LastFinding, bool FindingNow, IReadOnlyList<ReadingSource> LastFindingCause)
{
    public static readonly EpisodeSeed None = new(null, 0, default, default, false, []);
}
