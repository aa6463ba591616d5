using CrsMonitor.Grading;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// Continuous grading over time (grading-rules.md section 5), pure over a patient's readings: no clock, no storage.
/// <list type="bullet">
/// <item>At an instant T each input is its most recent reading at or before T that is not stale (vitals 4 h, oxygen
/// device 4 h, neuro check 12 h); a stale or missing input is reported in <see cref="GradePoint.StaleOrMissing"/>, never
/// defaulted to normal.</item>
/// <item>Fever gate: the highest fever (≥ 38.0 °C) not attributed to another cause within the lookback (24 h) counts;
/// without one, the latest current temperature.</item>
/// <item>CRS is established while a CRS episode is open (CRS-MASK); an episode opens at the first grade ≥ 1 and closes
/// 24 h after its last fever, hypotension or hypoxia (ICANS: grade ≥ 1). Episode state feeds the next instants, so the
/// timeline is computed in time order.</item>
/// <item>The order of <c>readings</c> does not matter: they are sorted by <see cref="ReadingOrder"/>, a total order.</item>
/// </list>
/// Instants graded: every reading's start and end, every expiry (staleness, fever lookback, a stopped vasopressor or
/// fluid bolus ceasing to count, premedication masking ending, episode close) and birthdays (ICANS-AGE). A point is
/// kept only where (status, grade, reason, flags) of its scale changes.
/// </summary>
/// <remarks>
/// Decisions (the rules leave them open; each is tested):
/// <list type="bullet">
/// <item>Windows are half-open: a reading at t is used for t ≤ T &lt; t + period; at exactly 4 h (24 h, 12 h) it is stale
/// (out of the lookback). An episode closing at C is closed at C.</item>
/// <item>A fever attribution (CRS-ATTRIB) in force covers the temperatures taken up to the moment it was recorded; a
/// fever after it is a new finding until attributed again. Hypotension and hypoxia attributions apply while in force.</item>
/// <item>Oxygen flow belongs to the latest current device reading when recorded with it or after it; room-air SpO2 is an
/// SpO2 coded room-air, or any SpO2 since a room-air device reading.</item>
/// <item>A fluid bolus (Medication of class <c>fluid-bolus</c>) counts as given for low blood pressure for
/// <see cref="ContinuousGradingSettings.VitalsStaleAfter"/> after its end; a stopped vasoactive infusion likewise
/// (CRS-HYPO-DEF: "vasopressor given", not running), then no longer, so old infusions never keep an episode open.</item>
/// <item>CRS-MASK therapy: an antipyretic, anti-cytokine or corticosteroid started at or after the open episode's onset.
/// CRS-PREMED: a corticosteroid at most 3 h before a protocol-drug dose that has started, for 48 h from the steroid,
/// while no CRS is established.</item>
/// <item>Episode findings: CRS hypotension or hypoxia axis &gt; 0 (from the result's domains) or death last until the
/// instant they are no longer present (a stale reading is no longer present); a fever is a finding at its reading's time
/// (reading the gated fever domain instead would add the 24 h lookback to the 24 h close). ICANS: grade ≥ 1.
/// Treatments: drug keys of antipyretic, anti-cytokine and corticosteroid medications started during the episode (ICANS:
/// anti-cytokine and corticosteroid).</item>
/// <item>Clinician inputs never go stale; the latest at or before T applies. Age is whole years at T from the birth date,
/// changing at midnight UTC of the birthday; a neuro check whose detail is not valid is reported and not used.</item>
/// <item>Only readings of <see cref="PatientFacts.PatientId"/> are used.</item>
/// </list>
/// </remarks>
public static class GradeTimeline
{
    /// <summary>How far apart the checkpoints of a timeline are at least (and the last instant graded is one).</summary>
    public static readonly TimeSpan CheckpointEvery = TimeSpan.FromMinutes(10);

    /// <summary>The whole timeline of one patient, with every instant at which a grade can change.</summary>
    public static Timeline Compute(PatientFacts patient, IReadOnlyList<Reading> readings, GradingSettings grading, ContinuousGradingSettings settings) =>
        Compute(patient, readings, grading, settings, until: null);

    /// <summary>
    /// The timeline up to and including <paramref name="until"/> (e.g. now): later expiry instants are not graded, and an
    /// episode whose close instant is after it is still open (no resolution time). With a <paramref name="seed"/>, only
    /// from its instant on: the points and checkpoints at or after it, and the episodes open at it or opened after it.
    /// </summary>
    public static Timeline Compute(
        PatientFacts patient, IReadOnlyList<Reading> readings, GradingSettings grading, ContinuousGradingSettings settings, DateTimeOffset? until,
        TimelineSeed? seed = null)
    {
        var engine = new Engine(patient, readings, grading, settings, seed);
        engine.Run(until);
        return engine.Timeline();
    }

    /// <summary>
    /// The grade of both scales at <paramref name="at"/> (the status endpoint's "now": staleness applies at it), each with
    /// the basis at that instant and the cause of the timeline point it belongs to; seeded as <see cref="Compute(PatientFacts, IReadOnlyList{Reading}, GradingSettings, ContinuousGradingSettings, DateTimeOffset?, TimelineSeed?)"/>.
    /// </summary>
    public static (GradePoint Crs, GradePoint Icans) At(
        PatientFacts patient, IReadOnlyList<Reading> readings, DateTimeOffset at, GradingSettings grading, ContinuousGradingSettings settings,
        TimelineSeed? seed = null)
    {
        var engine = new Engine(patient, readings, grading, settings, seed);
        engine.Run(at.ToUniversalTime(), includeUntil: true);
        return engine.Current(at.ToUniversalTime());
    }

    private sealed class Engine
    {
        private readonly PatientCourse course;
        private readonly GradingSettings grading;
        private readonly EpisodeTracker crsEpisodes;
        private readonly EpisodeTracker icansEpisodes;
        private readonly DateTimeOffset? from;
        private readonly List<GradePoint> points = [];
        private readonly List<TimelineSeed> checkpoints = [];
        private readonly Dictionary<Scale, (string? Key, IReadOnlyList<ReadingSource> Cause)> last = [];
        private (GradeResult Result, IReadOnlyList<BasisInput> Basis, IReadOnlyList<string> Gaps) crsNow;
        private (GradeResult Result, IReadOnlyList<BasisInput> Basis, IReadOnlyList<string> Gaps) icansNow;

        public Engine(PatientFacts patient, IReadOnlyList<Reading> readings, GradingSettings grading, ContinuousGradingSettings settings, TimelineSeed? seed)
        {
            ArgumentNullException.ThrowIfNull(patient);
            ArgumentNullException.ThrowIfNull(readings);
            ArgumentNullException.ThrowIfNull(grading);
            ArgumentNullException.ThrowIfNull(settings);
            course = new PatientCourse(patient, readings, settings, seed?.At);
            this.grading = grading;
            crsEpisodes = new EpisodeTracker(Scale.Crs, settings.EpisodeClosesAfter);
            icansEpisodes = new EpisodeTracker(Scale.Icans, settings.EpisodeClosesAfter);
            from = seed?.At;
            Resume(Scale.Crs, seed?.Crs, crsEpisodes);
            Resume(Scale.Icans, seed?.Icans, icansEpisodes);
        }

        public void Run(DateTimeOffset? until, bool includeUntil = false)
        {
            var pending = new SortedSet<DateTimeOffset>(from is { } f ? course.Instants.Where(i => i >= f) : course.Instants);
            foreach (var due in new[] { crsEpisodes.ClosesAt, icansEpisodes.ClosesAt })
            {
                if (due is { } d && (from is null || d >= from))
                {
                    pending.Add(d); // an episode open at the seed closes at its instant unless a finding comes first
                }
            }

            if (includeUntil && until is { } u)
            {
                pending.Add(u);
            }

            long? bucket = null;
            TimelineSeed? beforeLast = null;
            while (pending.Count > 0 && (until is null || pending.Min <= until))
            {
                var at = pending.Min;
                pending.Remove(at);
                beforeLast = Snapshot(at);
                if (at.UtcTicks / CheckpointEvery.Ticks != bucket)
                {
                    bucket = at.UtcTicks / CheckpointEvery.Ticks;
                    checkpoints.Add(beforeLast);
                }

                Step(at);
                foreach (var due in new[] { crsEpisodes.ClosesAt, icansEpisodes.ClosesAt })
                {
                    if (due is { } d && d > at)
                    {
                        pending.Add(d);
                    }
                }
            }

            if (beforeLast is not null && !ReferenceEquals(checkpoints[^1], beforeLast))
            {
                checkpoints.Add(beforeLast); // the next write's reading usually comes after the last instant graded
            }
        }

        public Timeline Timeline() => new(
            points,
            [
                .. crsEpisodes.Episodes((from, to) => course.Treatments(TimelineWords.FeverTherapyClasses, from, to)),
                .. icansEpisodes.Episodes((from, to) => course.Treatments(TimelineWords.IcansTreatmentClasses, from, to)),
            ])
        {
            Checkpoints = checkpoints,
        };

        public (GradePoint Crs, GradePoint Icans) Current(DateTimeOffset at) => (
            new GradePoint(Scale.Crs, at, crsNow.Result, crsNow.Basis, crsNow.Gaps, last[Scale.Crs].Cause),
            new GradePoint(Scale.Icans, at, icansNow.Result, icansNow.Basis, icansNow.Gaps, last[Scale.Icans].Cause));

        private static string Key(GradeResult r) =>
            $"{Vocabulary.GradeStatus.Code(r.Status)}|{r.Grade}|{r.Reason}|{string.Join(",", r.Flags)}";

        /// <summary>CRS findings that last: hypotension or hypoxia axis above 0, or death due to CRS.</summary>
        private static bool LastingCrsFinding(GradeResult r) =>
            (r.Status == GradeStatus.Graded && r.Grade == 5)
            || r.Domains.Any(d => d.Domain is "hypotension" or "hypoxia" && d.Status == DomainStatus.Graded && d.Grade > 0);

        private static bool Fever(GradeResult r) => r.Domains.Any(d => d.Domain == "fever" && d.Status == DomainStatus.Graded && d.Grade > 0);

        private void Resume(Scale scale, ScaleSeed? seed, EpisodeTracker episodes)
        {
            last[scale] = (seed?.LastKey, seed?.LastCause ?? []);
            if (seed is not null)
            {
                episodes.Resume(seed.Episode);
            }
        }

        private TimelineSeed Snapshot(DateTimeOffset at) => new(at, Snapshot(Scale.Crs, crsEpisodes), Snapshot(Scale.Icans, icansEpisodes));

        private ScaleSeed Snapshot(Scale scale, EpisodeTracker episodes) =>
            new(last[scale].Key, last[scale].Cause, episodes.Seed);

        private void Step(DateTimeOffset at)
        {
            var crsClosed = crsEpisodes.CloseIfDue(at);
            var icansClosed = icansEpisodes.CloseIfDue(at);

            var crs = course.Crs(at, crsEpisodes.OpenOnset);
            var icans = course.Icans(at);
            var graded = AstctGrader.Evaluate(crs.Input, icans.Input, grading);
            var (crsResult, icansResult) = (graded.Crs!, graded.Icans!);

            var crsCause = Cause(Scale.Crs, at, crsClosed);
            var icansCause = Cause(Scale.Icans, at, icansClosed);
            crsEpisodes.Observe(at, crsResult, LastingCrsFinding(crsResult), Fever(crsResult) ? crs.LatestFever : null, crsCause);
            icansEpisodes.Observe(at, icansResult, icansResult is { Status: GradeStatus.Graded, Grade: >= 1 }, null, icansCause);

            crsNow = (crsResult, crs.Basis, crs.StaleOrMissing);
            icansNow = (icansResult, icans.Basis, icans.StaleOrMissing);
            Emit(new GradePoint(Scale.Crs, at, crsResult, crs.Basis, crs.StaleOrMissing, crsCause));
            Emit(new GradePoint(Scale.Icans, at, icansResult, icans.Basis, icans.StaleOrMissing, icansCause));
        }

        private IReadOnlyList<ReadingSource> Cause(Scale scale, DateTimeOffset at, IReadOnlyList<ReadingSource>? closedBy)
        {
            var cause = course.CauseAt(scale, at);
            return closedBy is null ? cause : [.. cause.Concat(closedBy).Distinct().Order(SourceOrder.Instance)];
        }

        private void Emit(GradePoint point)
        {
            var key = Key(point.Result);
            if (last[point.Scale].Key == key)
            {
                return;
            }

            points.Add(point);
            last[point.Scale] = (key, point.Cause);
        }
    }
}
