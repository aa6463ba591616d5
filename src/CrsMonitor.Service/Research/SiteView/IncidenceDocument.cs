using CrsMonitor.Service.Monitoring.Protocols;

namespace CrsMonitor.Service.Research.SiteView;

/// <summary>
/// The answer of <c>GET /api/research/incidence</c> (camelCase JSON). Aggregate only: drugs, protocol ids, label text,
/// counts, hours since the infusion start and incidences; no patient id, no instant of any dose or episode, nothing
/// that identifies a person. The only instant is <see cref="GeneratedAt"/>. Hours are rounded to 0.01 h (36 s) and
/// incidences to 0.0001 here, at the edge; the computation itself is exact.
/// </summary>
public sealed record IncidenceDocument(DateTimeOffset GeneratedAt, int HorizonHours, IReadOnlyList<IncidenceDocument.DrugView> Drugs)
{
    public static IncidenceDocument From(SiteIncidenceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new IncidenceDocument(report.GeneratedAt, report.HorizonHours, [.. report.Drugs.Select(d => new DrugView(
            d.Drug, d.ProtocolId,
            new LabelMedianOnsetView(Onset(d.LabelOnset?.Crs), Onset(d.LabelOnset?.Icans)),
            [.. d.Doses.Select(s => new DoseView(s.StepUpIndex, s.Label, s.N, new ScalesView(ScaleOf(s.Crs), ScaleOf(s.Icans))))]))]);
    }

    private static OnsetView? Onset(Monitoring.Protocols.OnsetRange? range) =>
        range is null ? null : new OnsetView(range.MedianHoursFrom, range.MedianHoursTo, range.Anchor == WindowAnchor.Start ? "start" : "end", range.Source);

    private static ScaleView ScaleOf(IncidenceCurve curve) => new(
        curve.Events, curve.Censored, curve.MedianOnsetHours is { } m ? Hours(m) : null, Hours(curve.FollowUpHours),
        [.. curve.Points.Select(p => new PointView(Hours(p.Hours), Math.Round(p.Incidence, 4, MidpointRounding.AwayFromZero)))]);

    private static decimal Hours(decimal hours) => Math.Round(hours, 2, MidpointRounding.AwayFromZero);

    /// <summary>One protocol drug: the version whose label onset and dose labels are shown, and its step-up doses.</summary>
    public sealed record DrugView(string Drug, string ProtocolId, LabelMedianOnsetView LabelMedianOnset, IReadOnlyList<DoseView> Doses);

    /// <summary>The label's median onset per scale; null where the label (as transcribed) gives none.</summary>
    public sealed record LabelMedianOnsetView(OnsetView? Crs, OnsetView? Icans);

    /// <summary>"13-16 h from the start of the infusion", with the protocol file's source.</summary>
    public sealed record OnsetView(decimal FromHours, decimal ToHours, string Anchor, string Source);

    /// <summary>One step-up dose: its label ("step-up dose 1 (C1 D1, 1 mg)"), how many doses were at risk, each scale.</summary>
    public sealed record DoseView(int StepUpIndex, string Label, int N, ScalesView Scales);

    public sealed record ScalesView(ScaleView Crs, ScaleView Icans);

    /// <summary>
    /// Events and censored doses (they add up to n), the observed median onset among the events (null without one), the
    /// longest follow-up in hours (the curve is not known beyond it), and the curve's steps from (0, 0).
    /// </summary>
    public sealed record ScaleView(int Events, int Censored, decimal? MedianOnsetHours, decimal FollowUpHours, IReadOnlyList<PointView> Curve);

    /// <summary>From <see cref="Hours"/> after the infusion start on, <see cref="Incidence"/> (0 to 1) of the doses had an onset.</summary>
    public sealed record PointView(decimal Hours, decimal Incidence);
}
