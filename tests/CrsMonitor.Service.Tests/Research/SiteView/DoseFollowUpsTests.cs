using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Research.SiteView;

namespace CrsMonitor.Service.Tests.Research.SiteView;

/// <summary>
/// Which episode belongs to which dose, and where a dose without one is censored: at the next protocol dose of the same
/// patient (any drug), now, or the horizon, whichever comes first.
/// </summary>
public sealed class DoseFollowUpsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Horizon = TimeSpan.FromHours(360);

    private static SiteDose Dose(string patient, double hours, string drug = "tarlatamab", int day = 1) =>
        new(patient, drug, T0.AddHours(hours), "tarlatamab-us-2025-11", 1, day);

    private static EpisodeOnset Crs(string patient, double hours) => new(patient, Scale.Crs, T0.AddHours(hours));

    private static EpisodeOnset Icans(string patient, double hours) => new(patient, Scale.Icans, T0.AddHours(hours));

    private static IReadOnlyList<DoseOutcome> Of(SiteDose[] doses, EpisodeOnset[] onsets, double nowHours) =>
        DoseFollowUps.Of(doses, onsets, T0.AddHours(nowHours), Horizon);

    [Test]
    public void AnOnsetAfterTheDose_IsAnEventAtItsHours_TheOtherScaleIsCensoredAtTheNextDose()
    {
        var outcome = Of([Dose("a", 0), Dose("a", 168, day: 8)], [Crs("a", 14.5)], nowHours: 600)[0];
        Assert.That(outcome.Crs, Is.EqualTo(new FollowUp(14.5m, true)));
        Assert.That(outcome.Icans, Is.EqualTo(new FollowUp(168m, false)), "no ICANS before the next dose: censored at its start");
        Assert.That(outcome.For(Scale.Icans), Is.EqualTo(outcome.Icans));
    }

    [Test]
    public void AnOnsetAfterTheNextDose_BelongsToTheNextDose()
    {
        var outcomes = Of([Dose("a", 0), Dose("a", 168, day: 8)], [Crs("a", 170)], nowHours: 600);
        Assert.That(outcomes[0].Crs, Is.EqualTo(new FollowUp(168m, false)));
        Assert.That(outcomes[1].Crs, Is.EqualTo(new FollowUp(2m, true)));
    }

    [Test]
    public void AnOnsetAtTheNextDoseStart_BelongsToTheNextDose_OneAtTheInfusionStartToThisOne()
    {
        var outcomes = Of([Dose("a", 0), Dose("a", 168, day: 8)], [Crs("a", 0), Icans("a", 168)], nowHours: 600);
        Assert.That(outcomes[0].Crs, Is.EqualTo(new FollowUp(0m, true)));
        Assert.That(outcomes[0].Icans, Is.EqualTo(new FollowUp(168m, false)));
        Assert.That(outcomes[1].Icans, Is.EqualTo(new FollowUp(0m, true)));
    }

    [Test]
    public void AnEpisodeOpenBeforeTheInfusion_IsNoOnsetAfterIt_TheFirstOnsetAfterItCounts()
    {
        var outcome = Of([Dose("a", 0)], [Crs("a", -3), Crs("a", 40), Crs("a", 20)], nowHours: 600)[0];
        Assert.That(outcome.Crs, Is.EqualTo(new FollowUp(20m, true)));
    }

    [Test]
    public void WithoutANextDose_ADoseIsCensoredAtTheHorizon_AndALaterOnsetIsNoEvent()
    {
        var outcome = Of([Dose("a", 0)], [Crs("a", 400)], nowHours: 1000)[0];
        Assert.That(outcome.Crs, Is.EqualTo(new FollowUp(360m, false)));
        Assert.That(outcome.Icans, Is.EqualTo(new FollowUp(360m, false)));
    }

    [Test]
    public void AnOnsetExactlyAtTheHorizon_IsStillAnEvent() =>
        Assert.That(Of([Dose("a", 0)], [Crs("a", 360)], nowHours: 1000)[0].Crs, Is.EqualTo(new FollowUp(360m, true)));

    [Test]
    public void ADoseStillBeingFollowed_IsCensoredNow()
    {
        var outcome = Of([Dose("a", 0)], [], nowHours: 10.25)[0];
        Assert.That(outcome.Crs, Is.EqualTo(new FollowUp(10.25m, false)));
    }

    [Test]
    public void ADoseOfAnotherDrug_IsANextDoseToo()
    {
        var outcome = Of([Dose("a", 0), Dose("a", 48, drug: "teclistamab")], [Crs("a", 50)], nowHours: 600)[0];
        Assert.That(outcome.Crs, Is.EqualTo(new FollowUp(48m, false)));
    }

    [Test]
    public void AnotherPatientsEpisodesAndDoses_CountForNothing()
    {
        var outcomes = Of([Dose("a", 0), Dose("b", 24)], [Crs("b", 30)], nowHours: 600);
        Assert.That(outcomes.Single(o => o.Dose.PatientId == "a").Crs, Is.EqualTo(new FollowUp(360m, false)), "b's dose does not censor a, b's onset is not a's");
        Assert.That(outcomes.Single(o => o.Dose.PatientId == "b").Crs, Is.EqualTo(new FollowUp(6m, true)));
    }

    [Test]
    public void ADoseStartingAfterNow_IsNotYetAtRisk()
    {
        var outcomes = Of([Dose("a", 0), Dose("a", 168, day: 8)], [], nowHours: 100);
        Assert.That(outcomes, Has.Count.EqualTo(1));
        Assert.That(outcomes[0].Crs, Is.EqualTo(new FollowUp(100m, false)), "now comes before the next dose");
    }

    [Test]
    public void Hours_AreExact() =>
        Assert.That(DoseFollowUps.Hours(TimeSpan.FromMinutes(20)), Is.EqualTo(1m / 3m));
}
