using CrsMonitor.Grading;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// The episodes of one scale (grading-rules.md section 5): one opens at the first grade ≥ 1 and closes
/// <see cref="ContinuousGradingSettings.EpisodeClosesAfter"/> after its last qualifying finding. A finding that lasts
/// (hypotension, hypoxia; ICANS grade ≥ 1) is last seen at the instant it stops; a fever at its reading's time.
/// </summary>
internal sealed class EpisodeTracker(Scale scale, TimeSpan closesAfter)
{
    private readonly List<(DateTimeOffset Onset, int Max, DateTimeOffset MaxAt, DateTimeOffset Resolved)> closed = [];
    private DateTimeOffset? onset;
    private int maxGrade;
    private DateTimeOffset maxAt;
    private DateTimeOffset lastFinding;
    private bool findingNow;
    private IReadOnlyList<ReadingSource> lastFindingCause = [];

    public Scale Scale => scale;

    /// <summary>The episode in progress, for a checkpoint.</summary>
    public EpisodeSeed Seed => onset is null ? EpisodeSeed.None : new(onset, maxGrade, maxAt, lastFinding, findingNow, lastFindingCause);

    /// <summary>Continues from a checkpoint: the episode open before it (episodes closed before it are stored already).</summary>
    public void Resume(EpisodeSeed seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        (onset, maxGrade, maxAt, lastFinding, findingNow, lastFindingCause) =
            (seed.Onset, seed.MaxGrade, seed.MaxAt, seed.LastFinding, seed.FindingNow, seed.LastFindingCause);
    }

    /// <summary>The onset of the episode open now, or null.</summary>
    public DateTimeOffset? OpenOnset => onset;

    /// <summary>When the open episode closes if nothing qualifying happens before; null while a finding lasts.</summary>
    public DateTimeOffset? ClosesAt => onset is not null && !findingNow ? lastFinding + closesAfter : null;

    /// <summary>Closes the open episode when its close instant has come; returns the readings of its last finding then.</summary>
    public IReadOnlyList<ReadingSource>? CloseIfDue(DateTimeOffset at)
    {
        if (ClosesAt is not { } due || due > at)
        {
            return null;
        }

        closed.Add((onset!.Value, maxGrade, maxAt, due));
        onset = null;
        return lastFindingCause;
    }

    /// <param name="at">The instant graded.</param>
    /// <param name="result">The grade at it.</param>
    /// <param name="lasting">Whether a lasting qualifying finding is present at it.</param>
    /// <param name="momentary">A momentary qualifying finding (a fever reading) that counted at it.</param>
    /// <param name="cause">The readings that start, end or expire at it.</param>
    public void Observe(DateTimeOffset at, GradeResult result, bool lasting, Reading? momentary, IReadOnlyList<ReadingSource> cause)
    {
        var grade = result.Status == GradeStatus.Graded ? result.Grade ?? 0 : 0;
        if (onset is null)
        {
            if (grade < 1)
            {
                return;
            }

            (onset, maxGrade, maxAt, lastFinding, lastFindingCause, findingNow) = (at, grade, at, at, cause, lasting);
            return;
        }

        if (grade > maxGrade)
        {
            (maxGrade, maxAt) = (grade, at);
        }

        if (lasting || findingNow)
        {
            // Present now, or present until now: the last finding is this instant.
            (lastFinding, lastFindingCause) = (at, cause);
        }

        findingNow = lasting;
        if (momentary is not null && momentary.EffectiveAt > lastFinding)
        {
            (lastFinding, lastFindingCause) = (momentary.EffectiveAt, [momentary.Source]);
        }
    }

    public IEnumerable<Episode> Episodes(Func<DateTimeOffset, DateTimeOffset?, IReadOnlyList<string>> treatments)
    {
        foreach (var e in closed)
        {
            yield return new Episode(scale, e.Onset, e.Max, e.MaxAt, e.Resolved, treatments(e.Onset, e.Resolved));
        }

        if (onset is { } open)
        {
            yield return new Episode(scale, open, maxGrade, maxAt, null, treatments(open, null));
        }
    }
}
