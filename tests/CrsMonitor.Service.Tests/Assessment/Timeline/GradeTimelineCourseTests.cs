using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Readings;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// A recorded tarlatamab C1D1 course over 48 h (grading-rules.md section 5): premedication, dose, fever at 14 h,
/// hypotension with a fluid bolus, nasal cannula 3 L/min, tocilizumab, masked afebrile hypotension, recovery, and neuro
/// checks ICE 10 → 6 → 10. Hour 0 is 2026-11-24T08:00Z.
/// </summary>
public sealed class GradeTimelineCourseTests
{
    /// <summary>Every change of either scale, with the readings that caused it; the last two are expiries after the data ends.</summary>
    private static readonly string[] ExpectedPoints =
    [
        // h-1: baseline vitals and ICE 10: no CRS, no ICANS.
        "crs 2026-11-24T07:00Z graded 0 [] <- Observation/bp-1 Observation/o2-1 Observation/temp-1",
        "icans 2026-11-24T07:00Z graded 0 [] <- QuestionnaireResponse/neuro-1",
        // h14: fever 38.6 °C (premedication does not matter with a fever): CRS 1, the episode opens.
        "crs 2026-11-24T22:00Z graded 1 [] <- Observation/temp-5",
        // h16: SBP 86 with a fluid bolus: hypotension axis 2.
        "crs 2026-11-25T00:00Z graded 2 [] <- MedicationAdministration/bolus-1 Observation/bp-4",
        // h20: ICE 6: ICANS 2 (the CRS stays 2: bolus still counts, then nasal cannula 3 L/min).
        "icans 2026-11-25T04:00Z graded 2 [] <- QuestionnaireResponse/neuro-3",
        // h21: the cannula reading is 4 h old (stale), the bolus no longer counts: fever alone (gate: 38.9 at h17).
        "crs 2026-11-25T05:00Z graded 1 [] <- MedicationAdministration/dex-icans Observation/o2-2 Observation/temp-6",
        // h26: ICE 10: ICANS 0 (its episode closes 24 h later).
        "icans 2026-11-25T10:00Z graded 0 [] <- QuestionnaireResponse/neuro-4",
        // h41: the last fever (h17) leaves the 24 h lookback; CRS is established and tocilizumab was given: CRS-MASK.
        "crs 2026-11-26T01:00Z graded 1 [fever-masked] <- Observation/temp-6",
        // h42: afebrile 37.0 °C with SBP 84: masked, graded on the hypotension axis.
        "crs 2026-11-26T02:00Z graded 2 [] <- Observation/bp-6 Observation/temp-8",
        // h44: SBP 112: recovery, still masked grade 1 until the episode closes. (temp-7 of h40 would go stale now, but
        // temp-8 replaced it at h42: not a cause.)
        "crs 2026-11-26T04:00Z graded 1 [fever-masked] <- Observation/bp-7 Observation/temp-9",
        // h50: the last neuro check (h38) is 12 h old; the ICANS episode closes (24 h after ICE 10 at h26).
        "icans 2026-11-26T10:00Z not-gradable ice-missing [] <- QuestionnaireResponse/neuro-4 QuestionnaireResponse/neuro-5",
        // h68: the CRS episode closes 24 h after the last finding (h44); no current temperature: not gradable.
        "crs 2026-11-27T04:00Z not-gradable temperature-missing [] <- Observation/bp-7 Observation/temp-9",
    ];

    internal static TimelineCourse RecordedCourse() => new TimelineCourse()
        .Temperature(-1, 36.8m, "temp-1").Systolic(-1, 124, "bp-1").RoomAir(-1, "o2-1").Ice(-1, 10, id: "neuro-1")
        .Medication(0, "dexamethasone", "corticosteroid", id: "dex-premed")
        .Medication(1, "tarlatamab", "protocol-drug", endH: 2, id: "tarlatamab-c1d1")
        .Temperature(3, 37.0m, "temp-2").Systolic(3, 118, "bp-2")
        .Temperature(7, 37.4m, "temp-3").Systolic(7, 116, "bp-3")
        .Ice(10, 10, id: "neuro-2")
        .Temperature(11, 37.6m, "temp-4")
        .Temperature(14, 38.6m, "temp-5")
        .Systolic(16, 86, "bp-4").Medication(16, "sodium-chloride-0.9", "fluid-bolus", endH: 16.5, id: "bolus-1")
        .Oxygen(17, "nasal-cannula", 3m, id: "o2-2").Temperature(17, 38.9m, "temp-6")
        .Medication(18, "tocilizumab", "anti-cytokine", id: "toci-1")
        .Systolic(20, 96, "bp-5").Ice(20, 6, id: "neuro-3")
        .Medication(21, "dexamethasone", "corticosteroid", id: "dex-icans")
        .RoomAir(22, "o2-3", spo2: 95)
        .Ice(26, 10, id: "neuro-4")
        .Ice(38, 10, id: "neuro-5")
        .Temperature(40, 37.1m, "temp-7")
        .Systolic(42, 84, "bp-6").Temperature(42, 37.0m, "temp-8")
        .Systolic(44, 112, "bp-7").Temperature(44, 36.9m, "temp-9")
        .Temperature(48, 36.8m, "temp-10").Systolic(48, 118, "bp-8");

    [Test]
    public void RecordedCourse_Timeline_HasAPointAtEveryChangeOfGrade_WithTheReadingsThatCausedIt()
    {
        var course = RecordedCourse();
        Assert.That(course.Readings, Has.Count.EqualTo(33));
        Assert.That(course.Compute().Points.Select(Line), Is.EqualTo(ExpectedPoints));
    }

    [Test]
    public void RecordedCourse_Episodes_OnsetMaximumResolutionAndTreatments()
    {
        var episodes = RecordedCourse().Compute().Episodes;
        Assert.That(episodes, Has.Count.EqualTo(2));
        using (Assert.EnterMultipleScope())
        {
            // CRS: onset at the first fever; maximum 2 first reached at h16; closes 24 h after SBP recovered at h44.
            Assert.That(episodes[0] with { Treatments = [] }, Is.EqualTo(new Episode(Scale.Crs, H(14), 2, H(16), H(68), [])));
            Assert.That(episodes[0].Treatments, Is.EqualTo(new[] { "tocilizumab", "dexamethasone" }), "the premedication before onset is not a treatment");
            Assert.That(episodes[1] with { Treatments = [] }, Is.EqualTo(new Episode(Scale.Icans, H(20), 2, H(20), H(50), [])));
            Assert.That(episodes[1].Treatments, Is.EqualTo(new[] { "dexamethasone" }), "tocilizumab was given before the ICANS onset");
        }
    }

    [Test]
    public void RecordedCourse_MaskedHypotension_BasisShowsEveryInputWithTimeSourceAndStaleness()
    {
        var point = RecordedCourse().Compute().Points.Single(p => p.Scale == Scale.Crs && p.At == H(42));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(point.Result.Rules.Select(r => r.Id), Does.Contain("CRS-MASK"));
            Assert.That(point.Basis, Is.EqualTo(new[]
            {
                new BasisInput("temperature", "37.0 °C", H(42), Obs("temp-8"), false),
                new BasisInput("systolicBp", "84 mmHg", H(42), Obs("bp-6"), false),
                new BasisInput("oxygenDevice", "room-air", H(22), Obs("o2-3"), true),
                new BasisInput("feverModifyingDrug", "dexamethasone (corticosteroid)", H(0), Med("dex-premed"), false),
                new BasisInput("feverTherapy", "tocilizumab (anti-cytokine)", H(18), Med("toci-1"), false),
                new BasisInput("feverTherapy", "dexamethasone (corticosteroid)", H(21), Med("dex-icans"), false),
            }));
            Assert.That(point.StaleOrMissing, Is.EqualTo(new[] { "oxygenDevice: last room-air at 2026-11-25T06:00Z is stale (4 h or older)" }));
        }
    }

    [Test]
    public void RecordedCourse_IcansPoint_BasisIsTheNeuroCheck()
    {
        var point = RecordedCourse().Compute().Points.Single(p => p.Scale == Scale.Icans && p.At == H(20));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(point.Basis, Is.EqualTo(new[] { new BasisInput("neuroCheck", "ICE 6/10, alert", H(20), Neuro("neuro-3"), false) }));
            Assert.That(point.StaleOrMissing, Is.Empty);
        }
    }

    [Test]
    public void ReadingOrder_DoesNotMatter_FiftyShuffledOrdersGiveAnIdenticalTimeline()
    {
        var course = RecordedCourse();
        var expected = Serialise(course.Compute());
        for (var seed = 1; seed <= 50; seed++)
        {
            var shuffled = course.Readings.ToArray();
            new Random(seed).Shuffle(shuffled);
            var timeline = GradeTimeline.Compute(Adult, shuffled, GradingSettings.Default, new ContinuousGradingSettings());
            Assert.That(Serialise(timeline), Is.EqualTo(expected), $"seed {seed}");
        }
    }

    [Test]
    public void ReadingOrder_ReadingsAtTheSameInstantInAnyOrder_TheLaterInTheTotalOrderIsTheLatest()
    {
        // Two temperatures at one instant from two observations: whichever order they come in, the same one is used.
        var course = new TimelineCourse().Temperature(0, 37.2m, "temp-b").Temperature(0, 37.9m, "temp-a");
        var forward = course.At(1).Crs;
        course.Readings.Reverse();
        var backward = course.At(1).Crs;
        Assert.That(backward.Basis, Is.EqualTo(forward.Basis));
        Assert.That(forward.Basis.Single(b => b.Name == "temperature").Source, Is.EqualTo(Obs("temp-b")));
    }

    [Test]
    public void Timeline_InstantsInAnotherUtcOffset_GiveTheSameTimeline()
    {
        var course = RecordedCourse();
        var shifted = course.Readings
            .Select(r => r with { EffectiveAt = r.EffectiveAt.ToOffset(TimeSpan.FromHours(2)), EndAt = r.EndAt?.ToOffset(TimeSpan.FromHours(-5)) })
            .ToList();
        var timeline = GradeTimeline.Compute(Adult, shifted, GradingSettings.Default, new ContinuousGradingSettings());
        Assert.That(Serialise(timeline), Is.EqualTo(Serialise(course.Compute())));
    }

    [Test]
    public void LateReading_InsertedEarlier_ChangesOnlyThePointsFromItsTimeOn_AndRecomputeEqualsComputeOnTheFullSet()
    {
        // The fever at h14 arrives last. Until it does, the h11 temperature goes stale at h15 and CRS starts at h17.
        var full = RecordedCourse();
        var late = full.Readings.Single(r => r.Source == Obs("temp-5"));
        var early = full.Readings.Where(r => r != late).ToList();
        var before = GradeTimeline.Compute(Adult, early, GradingSettings.Default, new ContinuousGradingSettings());
        var after = GradeTimeline.Compute(Adult, [.. early, late], GradingSettings.Default, new ContinuousGradingSettings());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.Points.Where(p => p.Scale == Scale.Crs && p.At >= H(14) && p.At <= H(17)).Select(Line), Is.EqualTo(new[]
            {
                "crs 2026-11-24T23:00Z not-gradable temperature-missing [] <- Observation/temp-4",
                // SBP 86 with a bolus and no current temperature: support that needs a clinician (review flag, no alert).
                "crs 2026-11-25T00:00Z not-gradable temperature-missing [clinician-review] <- MedicationAdministration/bolus-1 Observation/bp-4",
                "crs 2026-11-25T01:00Z graded 2 [] <- Observation/o2-2 Observation/temp-6",
            }));
            Assert.That(Serialise(after), Is.EqualTo(Serialise(full.Compute())));
            Assert.That(after.Points.Where(p => p.At < late.EffectiveAt).Select(Line), Is.EqualTo(before.Points.Where(p => p.At < late.EffectiveAt).Select(Line)),
                "points before the late reading do not change");
            Assert.That(after.Points.Where(p => p.At >= late.EffectiveAt).Select(Line), Is.Not.EqualTo(before.Points.Where(p => p.At >= late.EffectiveAt).Select(Line)));
            Assert.That(after.Episodes[0].OnsetAt, Is.EqualTo(H(14)));
            Assert.That(before.Episodes[0].OnsetAt, Is.EqualTo(H(17)));
        }
    }

    [Test]
    public void At_AnyInstant_AgreesWithTheTimelinePointInForceThen()
    {
        var course = RecordedCourse();
        var points = course.Compute().Points;
        for (var quarter = -4; quarter <= 75 * 4; quarter++)
        {
            var at = H(quarter / 4.0);
            var (crs, icans) = course.At(at);
            foreach (var now in new[] { crs, icans })
            {
                var inForce = points.Last(p => p.Scale == now.Scale && p.At <= at);
                Assert.That(Describe(now), Is.EqualTo(Describe(inForce.Result)), $"{now.Scale} at {at:O}");
                Assert.That(now.Cause, Is.EqualTo(inForce.Cause), $"{now.Scale} at {at:O}");
                Assert.That(now.At, Is.EqualTo(at));
            }
        }
    }

    [Test]
    public void At_BeforeAnyReading_NothingToGrade_NothingInvented()
    {
        var (crs, icans) = RecordedCourse().At(-2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(crs), Is.EqualTo("not-gradable temperature-missing []"));
            Assert.That(crs.StaleOrMissing, Is.EqualTo(new[] { "temperature: none recorded", "systolicBp: none recorded", "oxygenDevice: none recorded" }));
            Assert.That(Describe(icans), Is.EqualTo("not-gradable ice-missing []"));
            Assert.That(crs.Cause, Is.Empty);
        }
    }

    [Test]
    public void Compute_NoReadings_EmptyTimeline()
    {
        var timeline = GradeTimeline.Compute(Adult, Array.Empty<Reading>(), GradingSettings.Default, new ContinuousGradingSettings());
        Assert.That(timeline.Points, Is.Empty);
        Assert.That(timeline.Episodes, Is.Empty);
    }

    [Test]
    public void Compute_Until_GradesNoLaterInstant_AndLeavesAnEpisodeClosingLaterOpen()
    {
        var course = RecordedCourse();
        var timeline = GradeTimeline.Compute(Adult, course.Readings, GradingSettings.Default, new ContinuousGradingSettings(), until: H(48));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(timeline.Points.Select(Line), Is.EqualTo(ExpectedPoints.Where(p => string.CompareOrdinal(p.Split(' ')[1], "2026-11-26T08:00Z") <= 0)));
            Assert.That(timeline.Episodes.Select(e => (e.Scale, e.ResolvedAt)), Is.EqualTo(new[] { (Scale.Crs, (DateTimeOffset?)null), (Scale.Icans, null) }));
        }
    }
}
