namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// The cumulative incidence of one scale after one kind of dose (Kaplan-Meier, 1 - S(t)): <see cref="N"/> doses at
/// risk, of which <see cref="Events"/> were followed by an episode and <see cref="Censored"/> were not (while observed);
/// the observed median onset among the events (null without events); the longest follow-up (the curve is not known
/// beyond it); and the steps, from (0, 0) then one per distinct event time.
/// </summary>
public sealed record IncidenceCurve(int N, int Events, int Censored, decimal? MedianOnsetHours, decimal FollowUpHours, IReadOnlyList<IncidencePoint> Points);
