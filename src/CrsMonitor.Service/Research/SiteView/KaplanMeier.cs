namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// The Kaplan-Meier estimate of the cumulative incidence 1 - S(t), exact in decimal. At each distinct event time t,
/// S(t) = S(t-) x (1 - d/n), with d the events at t and n the doses still observed just before t (time at least t; a
/// dose censored at t is still at risk at t, the usual convention). Competing risks (death, the next dose) are treated
/// as censoring, so where they are common 1 - S(t) overstates the cumulative incidence a competing-risks estimator
/// (Aalen-Johansen) would give; the README says so beside the site view.
/// </summary>
public static class KaplanMeier
{
    public static IncidenceCurve Estimate(IReadOnlyList<FollowUp> followUps)
    {
        ArgumentNullException.ThrowIfNull(followUps);
        if (followUps.Any(f => f.Hours < 0))
        {
            throw new ArgumentException("a follow-up cannot end before the infusion started", nameof(followUps));
        }

        var points = new List<IncidencePoint> { new(0m, 0m) };
        var survival = 1m;
        var atRisk = followUps.Count;
        foreach (var group in followUps.GroupBy(f => f.Hours).OrderBy(g => g.Key))
        {
            var events = group.Count(f => f.IsEvent);
            if (events > 0)
            {
                survival *= (decimal)(atRisk - events) / atRisk;
                points.Add(new IncidencePoint(group.Key, 1m - survival));
            }

            atRisk -= group.Count();
        }

        var eventTimes = followUps.Where(f => f.IsEvent).Select(f => f.Hours).Order().ToList();
        return new IncidenceCurve(
            followUps.Count, eventTimes.Count, followUps.Count - eventTimes.Count, Median(eventTimes),
            followUps.Count == 0 ? 0m : followUps.Max(f => f.Hours), points);
    }

    /// <summary>The middle value of sorted times (the mean of the two middle ones for an even count); null when there are none.</summary>
    private static decimal? Median(List<decimal> sorted) => sorted.Count switch
    {
        0 => null,
        var n when n % 2 == 1 => sorted[n / 2],
        var n => (sorted[(n / 2) - 1] + sorted[n / 2]) / 2,
    };
}
