using CrsMonitor.Service.Assessment;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// Each dose's follow-up, per scale (pure: no SQL, no HTTP, no clock). A dose is observed from the start of its
/// infusion until the earliest of: the start of the same patient's next protocol dose (of any drug), now, and the
/// horizon (start + <c>SiteView:HorizonHours</c>). Its event is the first episode of the scale whose onset is at or
/// after the infusion start and before that next dose; an onset after the horizon leaves the dose censored at the
/// horizon. An episode already open at the infusion start is not an onset after this dose. A dose that starts after
/// now is not yet at risk and is left out. Competing risks (death, the next dose) are censoring, not events.
/// </summary>
public static class DoseFollowUps
{
    public static IReadOnlyList<DoseOutcome> Of(IReadOnlyList<SiteDose> doses, IReadOnlyList<EpisodeOnset> onsets, DateTimeOffset now, TimeSpan horizon)
    {
        ArgumentNullException.ThrowIfNull(doses);
        ArgumentNullException.ThrowIfNull(onsets);
        if (horizon <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "the horizon must be positive");
        }

        var starts = doses.GroupBy(d => d.PatientId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(d => d.StartedAt).Order().ToList(), StringComparer.Ordinal);
        var onsetsOf = onsets.GroupBy(o => (o.PatientId, o.Scale))
            .ToDictionary(g => g.Key, g => g.Select(o => o.OnsetAt).Order().ToList());
        var outcomes = new List<DoseOutcome>();
        foreach (var dose in doses.Where(d => d.StartedAt <= now))
        {
            DateTimeOffset? next = starts[dose.PatientId].Where(s => s > dose.StartedAt).Select(s => (DateTimeOffset?)s).FirstOrDefault();
            var observedUntil = new[] { now, dose.StartedAt + horizon, next ?? DateTimeOffset.MaxValue }.Min();
            FollowUp Of(Scale scale)
            {
                var onset = onsetsOf.TryGetValue((dose.PatientId, scale), out var list)
                    ? list.Where(o => o >= dose.StartedAt && (next is not { } n || o < n)).Select(o => (DateTimeOffset?)o).FirstOrDefault()
                    : null;
                return onset is { } at && at <= observedUntil
                    ? new FollowUp(Hours(at - dose.StartedAt), true)
                    : new FollowUp(Hours(observedUntil - dose.StartedAt), false);
            }

            outcomes.Add(new DoseOutcome(dose, Of(Scale.Crs), Of(Scale.Icans)));
        }

        return outcomes;
    }

    /// <summary>Elapsed hours, exact (ticks over ticks per hour, in decimal).</summary>
    public static decimal Hours(TimeSpan elapsed) => (decimal)elapsed.Ticks / TimeSpan.TicksPerHour;
}
