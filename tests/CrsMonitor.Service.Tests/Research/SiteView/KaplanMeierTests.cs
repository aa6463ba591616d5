using CrsMonitor.Service.Research.SiteView;

namespace CrsMonitor.Service.Tests.Research.SiteView;

/// <summary>The Kaplan-Meier cumulative incidence 1 - S(t), against figures computed by hand.</summary>
public sealed class KaplanMeierTests
{
    private const decimal Exact = 0.000000000000000000001m;

    private static FollowUp Event(decimal hours) => new(hours, true);

    private static FollowUp Censored(decimal hours) => new(hours, false);

    [Test]
    public void SixDoses_StepsAtEachEventTime_CensoredDosesLeaveTheRiskSet()
    {
        // t=2: 6 at risk, 1 event: S = 5/6. t=3: one censored (4 left). t=4: 4 at risk, 2 events: S = 5/6 x 2/4 = 5/12.
        // t=5: one censored (1 left). t=8: 1 at risk, 1 event: S = 0. Incidence = 1 - S: 1/6, 7/12, 1.
        var curve = KaplanMeier.Estimate([Event(2), Censored(3), Event(4), Event(4), Censored(5), Event(8)]);
        Assert.That((curve.N, curve.Events, curve.Censored, curve.FollowUpHours), Is.EqualTo((6, 4, 2, 8m)));
        Assert.That(curve.Points.Select(p => p.Hours), Is.EqualTo(new[] { 0m, 2m, 4m, 8m }));
        Assert.That(curve.Points[0].Incidence, Is.Zero);
        Assert.That(curve.Points[1].Incidence, Is.EqualTo(1m / 6m).Within(Exact));
        Assert.That(curve.Points[2].Incidence, Is.EqualTo(7m / 12m).Within(Exact));
        Assert.That(curve.Points[3].Incidence, Is.EqualTo(1m));
        Assert.That(curve.MedianOnsetHours, Is.EqualTo(4m), "events at 2, 4, 4, 8: the mean of the two middle ones");
    }

    [Test]
    public void ADoseCensoredAtAnEventTime_IsStillAtRiskThen()
    {
        // t=3: 3 at risk (the dose censored at 3 counts), 1 event: S = 2/3 (1/2 if it had left first). t=5: 1 at risk: S = 0.
        var curve = KaplanMeier.Estimate([Event(3), Censored(3), Event(5)]);
        Assert.That(curve.Points[1], Is.EqualTo(new IncidencePoint(3m, 1m - (2m / 3m))));
        Assert.That(curve.Points[1].Incidence, Is.EqualTo(1m / 3m).Within(Exact));
        Assert.That(curve.Points[2], Is.EqualTo(new IncidencePoint(5m, 1m)));
    }

    [Test]
    public void NoEvent_IsAFlatCurveAtZero_WithoutMedian()
    {
        var curve = KaplanMeier.Estimate([Censored(12), Censored(168), Censored(360)]);
        Assert.That((curve.N, curve.Events, curve.Censored, curve.MedianOnsetHours, curve.FollowUpHours), Is.EqualTo((3, 0, 3, (decimal?)null, 360m)));
        Assert.That(curve.Points, Is.EqualTo(new[] { new IncidencePoint(0m, 0m) }));
    }

    [Test]
    public void NoDose_IsAnEmptyCurve()
    {
        var curve = KaplanMeier.Estimate([]);
        Assert.That((curve.N, curve.Events, curve.Censored, curve.MedianOnsetHours, curve.FollowUpHours), Is.EqualTo((0, 0, 0, (decimal?)null, 0m)));
        Assert.That(curve.Points, Is.EqualTo(new[] { new IncidencePoint(0m, 0m) }));
    }

    [Test]
    public void EveryDoseWithAnEvent_IsTheEmpiricalDistribution_OddMedianIsTheMiddleOne()
    {
        // Without censoring KM is the share of doses with an onset by t: 1/5 at 13.5 h, 3/5 at 14 h (two), 4/5, 5/5.
        var curve = KaplanMeier.Estimate([Event(13.5m), Event(14), Event(14), Event(20), Event(30)]);
        Assert.That(curve.Points.Skip(1).Select(p => (p.Hours, p.Incidence)), Is.EqualTo(new[] { (13.5m, 0.2m), (14m, 0.6m), (20m, 0.8m), (30m, 1m) }));
        Assert.That(curve.MedianOnsetHours, Is.EqualTo(14m));
    }

    [Test]
    public void AnOnsetAtTheInfusionStart_IsAStepAtZero()
    {
        var curve = KaplanMeier.Estimate([Event(0), Censored(24)]);
        Assert.That(curve.Points, Is.EqualTo(new[] { new IncidencePoint(0m, 0m), new IncidencePoint(0m, 0.5m) }));
        Assert.That(curve.MedianOnsetHours, Is.Zero);
    }

    [Test]
    public void OrderOfTheInput_ChangesNothing()
    {
        FollowUp[] input = [Event(2), Censored(3), Event(4), Event(4), Censored(5), Event(8)];
        var forward = KaplanMeier.Estimate(input);
        var backward = KaplanMeier.Estimate([.. input.Reverse()]);
        Assert.That(backward.Points, Is.EqualTo(forward.Points));
        Assert.That((backward.MedianOnsetHours, backward.Events), Is.EqualTo((forward.MedianOnsetHours, forward.Events)));
    }

    [Test]
    public void ANegativeTime_IsRefused() =>
        Assert.That(() => KaplanMeier.Estimate([Event(-1)]), Throws.ArgumentException);
}
