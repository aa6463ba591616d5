using CrsMonitor.Service.Assessment;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>Vignettes of shared/clinical/vignettes.md whose inputs span time, expressed as courses of readings.</summary>
public sealed class GradeTimelineVignetteTests
{
    [Test]
    public void C23_Grade2SixHoursAgo_TocilizumabGiven_NowAfebrileSbp86AfterBolus_RoomAir_Grade2()
    {
        var course = new TimelineCourse()
            .Temperature(0, 38.6m).Systolic(0, 84).Medication(0, "sodium-chloride-0.9", "fluid-bolus", endH: 0.5).RoomAir(0)
            .Medication(1, "tocilizumab", "anti-cytokine")
            .Temperature(4, 37.5m)
            .Medication(5.5, "sodium-chloride-0.9", "fluid-bolus", endH: 6).Temperature(6, 37.1m).Systolic(6, 86).RoomAir(6);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(course.At(0).Crs), Is.EqualTo("graded 2 []"));
            Assert.That(Describe(course.At(6).Crs), Is.EqualTo("graded 2 []"));
        }
    }

    [Test]
    public void C24_CrsEstablished_TocilizumabAndDexamethasone_NowAfebrileOnNorepinephrine_Grade3()
    {
        // The fever (h0) is more than 24 h old at h30: only CRS-MASK keeps grading it.
        var course = new TimelineCourse().Temperature(0, 38.8m).Systolic(0, 82)
            .Medication(2, "norepinephrine", "vasopressor", endH: double.NaN)
            .Medication(3, "tocilizumab", "anti-cytokine").Medication(4, "dexamethasone", "corticosteroid");
        for (var h = 4; h <= 28; h += 4)
        {
            course.Temperature(h, 36.9m);
        }

        var crs = course.At(30).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(crs), Is.EqualTo("graded 3 []"));
            Assert.That(crs.Result.Rules.Select(r => r.Id), Does.Contain("CRS-MASK"));
            Assert.That(course.Compute().Episodes.Single().Treatments, Is.EqualTo(new[] { "tocilizumab", "dexamethasone" }));
        }
    }

    [Test]
    public void C36_CrsEstablished_TocilizumabGiven_NowAfebrileSbp120RoomAir_Grade1FeverMasked_UntilTheEpisodeCloses()
    {
        // Fever with nasal cannula at h0 and h4; room air from h8 (hypoxia last seen): the episode closes at h32.
        var course = new TimelineCourse().Temperature(0, 38.7m).Oxygen(0, "nasal-cannula", 2m)
            .Medication(1, "tocilizumab", "anti-cytokine").Oxygen(4, "nasal-cannula", 2m).RoomAir(8);
        for (var h = 4; h <= 28; h += 4)
        {
            course.Temperature(h, 37.2m);
        }

        course.RoomAir(28).Temperature(30, 37.0m).Systolic(30, 120);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(course.At(30).Crs), Is.EqualTo("graded 1 [fever-masked]"));
            Assert.That(Describe(course.At(32).Crs), Is.EqualTo("graded 0 []"));
            Assert.That(course.Compute().Episodes.Single().ResolvedAt, Is.EqualTo(H(32)));
        }
    }

    [Test]
    public void B03_CrsResolvedTwoDaysAgo_AfebrileRoomAir_Ice4_Crs0Icans2()
    {
        var course = new TimelineCourse().Temperature(0, 38.5m).RoomAir(0).Systolic(0, 118).Ice(0, 10)
            .Temperature(72, 36.9m).RoomAir(72).Systolic(72, 118).Ice(72, 4);
        var (crs, icans) = course.At(72);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(course.Compute().Episodes.Single(e => e.Scale == Scale.Crs).ResolvedAt, Is.EqualTo(H(24)));
            Assert.That(Describe(crs), Is.EqualTo("graded 0 []"));
            Assert.That(Describe(icans), Is.EqualTo("graded 2 []"));
        }
    }

    [Test]
    public void P06_CrsOnset30hAfterTheC1D8InfusionStarted_OutsideTheWindow_IsStillGraded()
    {
        var course = new TimelineCourse()
            .Medication(-1, "dexamethasone", "corticosteroid").Medication(0, "tarlatamab", "protocol-drug", endH: 1);
        for (var h = 0; h <= 28; h += 4)
        {
            course.Temperature(h, 36.8m);
        }

        course.Temperature(30, 38.4m).Oxygen(30, "nasal-cannula", 2m, id: "o2-30");
        var timeline = course.Compute();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(timeline.Points.Where(p => p.Scale == Scale.Crs && p.At == H(30)).Select(Line),
                Is.EqualTo(new[] { "crs 2026-11-25T14:00Z graded 2 [] <- Observation/o2-30 Observation/temp-9" }));
            Assert.That(timeline.Episodes.Single().OnsetAt, Is.EqualTo(H(30)));
        }
    }
}
