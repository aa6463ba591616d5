using CrsMonitor.Grading;
using CrsMonitor.Service.Assessment;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>Continuous grading rules (grading-rules.md section 5 and the timeline decisions), one behaviour per test.</summary>
public sealed class GradeTimelineRuleTests
{
    [Test]
    public void Fahrenheit_IsComparedInFahrenheitExactly_NotThroughTheStoredCelsius()
    {
        // 100.39999 °F is 37.999994 °C: a database keeping 6 decimals would store 38.000000. The grader compares the °F sent.
        var below = new TimelineCourse().Temperature(0, 38.000000m, "t-below", original: "100.39999 [degF]").Systolic(0, 118).RoomAir(0).At(0.5).Crs;
        var at = new TimelineCourse().Temperature(0, 38.0m, "t-at", original: "100.4 [degF]").Systolic(0, 118).RoomAir(0).At(0.5).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(below), Is.EqualTo("graded 0 []"));
            Assert.That(Describe(at), Is.EqualTo("graded 1 []"));
            Assert.That(at.Result.Rules.Select(r => r.Text), Has.Some.Contains("100.4 °F"));
        }
    }

    [Test]
    public void Staleness_FeverFiveHoursAgoWithNoNewerTemperature_StillCountsThroughTheFeverGate()
    {
        var crs = new TimelineCourse().Temperature(0, 38.5m, "temp-1").Systolic(4.5, 118).RoomAir(4.5).At(5).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(crs), Is.EqualTo("graded 1 []"));
            Assert.That(crs.Basis[0], Is.EqualTo(new BasisInput("temperature", "38.5 °C (highest fever within 24 h)", H(0), Obs("temp-1"), false)));
            Assert.That(crs.StaleOrMissing, Is.Empty);
        }
    }

    [Test]
    public void Staleness_NormalTemperatureFiveHoursAgoWithNoNewerOne_IsStale_TemperatureMissing_NeverAssumedNormal()
    {
        var crs = new TimelineCourse().Temperature(0, 37.2m, "temp-1").Systolic(4.5, 118).RoomAir(4.5).At(5).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(crs), Is.EqualTo("not-gradable temperature-missing []"));
            Assert.That(crs.StaleOrMissing, Is.EqualTo(new[] { "temperature: last 37.2 °C at 2026-11-24T08:00Z is stale (4 h or older)" }));
            Assert.That(crs.Basis, Has.Member(new BasisInput("temperature", "37.2 °C", H(0), Obs("temp-1"), true)));
            Assert.That(crs.Result.Missing, Does.Contain("temperature"));
        }
    }

    [TestCase(3.99, "graded 0 []")]
    [TestCase(4.0, "not-gradable temperature-missing []")]
    public void Staleness_AReadingIsCurrentForLessThan4h_AtExactly4hItIsStale(double hours, string expected) =>
        Assert.That(Describe(new TimelineCourse().Temperature(0, 37.2m).At(hours).Crs), Is.EqualTo(expected));

    [Test]
    public void Staleness_StaleBloodPressureAndOxygenDevice_AreReportedMissing_NotNormal()
    {
        var crs = new TimelineCourse().Systolic(0, 84).Oxygen(0, "nasal-cannula", 4m).Temperature(5, 38.3m).At(5).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(crs), Is.EqualTo("graded 1 []"), "stale SBP 84 and cannula are not used");
            Assert.That(crs.StaleOrMissing, Is.EqualTo(new[]
            {
                "systolicBp: last 84 mmHg at 2026-11-24T08:00Z is stale (4 h or older)",
                "oxygenDevice: last nasal-cannula at 2026-11-24T08:00Z is stale (4 h or older)",
            }));
            Assert.That(crs.Result.Domains.Where(d => d.Domain != "fever").Select(d => d.Status), Is.All.EqualTo(DomainStatus.Missing));
        }
    }

    [TestCase(23 + (59 / 60.0), "graded 1 []")]
    [TestCase(24.0, "graded 0 []")]
    [TestCase(24 + (1 / 3600.0), "graded 0 []")]
    public void FeverGate_AFeverCountsForLessThan24h(double hours, string expected)
    {
        var course = new TimelineCourse().Temperature(0, 38.4m).Temperature(23, 37.0m).Systolic(23, 120).RoomAir(23);
        Assert.That(Describe(course.At(H(0) + TimeSpan.FromSeconds(Math.Round(hours * 3600))).Crs), Is.EqualTo(expected));
    }

    [Test]
    public void FeverGate_TheHighestFeverInTheLookbackIsUsed_AndTheLatestTemperatureIsShownBesideIt()
    {
        var crs = new TimelineCourse().Temperature(0, 39.4m, "t-1").Temperature(6, 38.2m, "t-2").Temperature(10, 37.3m, "t-3").At(11).Crs;
        Assert.That(crs.Basis.Take(2), Is.EqualTo(new[]
        {
            new BasisInput("temperature", "39.4 °C (highest fever within 24 h)", H(0), Obs("t-1"), false),
            new BasisInput("latestTemperature", "37.3 °C", H(10), Obs("t-3"), false),
        }));
    }

    [Test]
    public void Temperature_RecordedInFahrenheit_IsGradedInExactCelsius_AndShownWithTheOriginal()
    {
        // 100.3 °F = 37.94 °C is not a fever (CRS-FEVER); 100.4 °F = 38.0 °C is.
        var notFever = new TimelineCourse().Temperature(0, (100.3m - 32m) * 5m / 9m, "t-1", "100.3 [degF]").At(1).Crs;
        var fever = new TimelineCourse().Temperature(0, (100.4m - 32m) * 5m / 9m, "t-1", "100.4 [degF]").At(1).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(notFever), Is.EqualTo("graded 0 []"));
            Assert.That(notFever.Basis[0].Value, Is.EqualTo("37.94 °C (100.3 [degF])"));
            Assert.That(Describe(fever), Is.EqualTo("graded 1 []"));
        }
    }

    [Test]
    public void Episode_ClosesExactly24hAfterTheLastFinding_AndCrsMaskNoLongerAppliesAfter()
    {
        // Fever with SBP 85 at h0; acetaminophen at h1; SBP 120 at h3 (the last finding); afebrile every 3 h; SBP 84 at h28.
        var course = new TimelineCourse().Temperature(0, 38.5m, "t-0").Systolic(0, 85, "bp-0")
            .Medication(1, "acetaminophen", "antipyretic", id: "apap")
            .Systolic(3, 120, "bp-3").Systolic(28, 84, "bp-28");
        for (var h = 3; h <= 30; h += 3)
        {
            course.Temperature(h, 37.0m, $"t-{h}");
        }

        var timeline = course.Compute();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(timeline.Points.Where(p => p.Scale == Scale.Crs).Select(Line), Is.EqualTo(new[]
            {
                "crs 2026-11-24T08:00Z graded 2 [] <- Observation/bp-0 Observation/t-0",
                // SBP recovered: fever alone (the h0 fever counts 24 h).
                "crs 2026-11-24T11:00Z graded 1 [] <- Observation/bp-3 Observation/t-3",
                // The fever leaves the lookback; established CRS treated with acetaminophen: CRS-MASK.
                "crs 2026-11-25T08:00Z graded 1 [fever-masked] <- Observation/t-0 Observation/t-24",
                // 24 h after the last finding (SBP recovered at h3) the episode closes: no CRS established.
                "crs 2026-11-25T11:00Z graded 0 [] <- Observation/bp-3 Observation/t-27 Observation/t-3",
                // SBP 84 at h28, afebrile, the acetaminophen of h1 within the masking period: CRS-AFEBRILE, not gradable
                // (t-24 would go stale now, but t-27 replaced it: not a cause).
                "crs 2026-11-25T12:00Z not-gradable suspected-masked-fever [suspected-masked-fever,clinician-review] <- Observation/bp-28",
                "crs 2026-11-25T16:00Z graded 0 [] <- Observation/bp-28",
                "crs 2026-11-25T18:00Z not-gradable temperature-missing [] <- Observation/t-30",
            }));
            Assert.That(timeline.Episodes.Single(), Is.EqualTo(timeline.Episodes.Single() with { OnsetAt = H(0), MaxGrade = 2, MaxAt = H(0), ResolvedAt = H(27) }));
            Assert.That(timeline.Episodes.Single().Treatments, Is.EqualTo(new[] { "acetaminophen" }));
            Assert.That(Describe(course.At(H(27) - TimeSpan.FromTicks(1)).Crs), Is.EqualTo("graded 1 [fever-masked]"));
            Assert.That(Describe(course.At(27).Crs), Is.EqualTo("graded 0 []"));
        }

        // SBP 84 at h28, afebrile, after the close: no CRS-MASK any more; the antipyretic still may mask fever (CRS-AFEBRILE).
        var late = course.At(28.5).Crs;
        Assert.That(Describe(late), Is.EqualTo("not-gradable suspected-masked-fever [suspected-masked-fever,clinician-review]"));
        Assert.That(late.Result.Rules.Select(r => r.Id), Does.Contain("CRS-AFEBRILE").And.No.Contain("CRS-MASK"));
    }

    [Test]
    public void Episode_ALastingFindingKeepsItOpen_TheClockStartsWhenTheFindingStops()
    {
        // A running norepinephrine keeps the episode open however long; it closes 24 h after the infusion's recorded end (CRS-VASO).
        var course = new TimelineCourse().Temperature(0, 38.9m).Medication(1, "norepinephrine", "vasopressor", endH: 40);
        var episode = course.Compute().Episodes.Single();
        Assert.That((episode.OnsetAt, episode.MaxGrade, episode.MaxAt, episode.ResolvedAt), Is.EqualTo((H(0), 3, H(1), (DateTimeOffset?)H(40 + 24))));
    }

    [Test]
    public void Episode_AfterItCloses_ANewFeverOpensANewEpisode()
    {
        var course = new TimelineCourse().Temperature(0, 38.4m).Temperature(30, 38.6m);
        var episodes = course.Compute().Episodes;
        Assert.That(episodes.Select(e => (e.OnsetAt, e.ResolvedAt)), Is.EqualTo(new[] { (H(0), (DateTimeOffset?)H(24)), (H(30), H(54)) }));
    }

    [Test]
    public void Premedication_C26_OverTime_SuspectedMaskedFever_UntilTheMaskingPeriodEnds()
    {
        // Dexamethasone 08:00, tarlatamab 09:00-10:00; 14 h later afebrile with SBP 86 and a fluid bolus.
        var course = new TimelineCourse()
            .Medication(0, "dexamethasone", "corticosteroid", id: "dex").Medication(1, "tarlatamab", "protocol-drug", endH: 2, id: "dose")
            .Temperature(0, 36.9m).Temperature(4, 37.1m).Temperature(8, 37.2m).Temperature(12, 37.4m)
            .Temperature(14, 37.6m).Systolic(14, 86).Medication(13.5, "sodium-chloride-0.9", "fluid-bolus", endH: 14)
            .Temperature(47.5, 37.5m).Systolic(47.5, 86).Medication(47.5, "sodium-chloride-0.9", "fluid-bolus", endH: 47.75);
        var c26 = course.At(14).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(c26), Is.EqualTo("not-gradable suspected-masked-fever [suspected-masked-fever,clinician-review]"));
            Assert.That(c26.Basis.Select(b => (b.Name, b.Source)), Is.SupersetOf(new[] { ("steroidPremedication", Med("dex")), ("protocolDose", Med("dose")) }));
            Assert.That(Describe(course.At(0.5).Crs), Is.EqualTo("graded 0 []"), "before the dose the steroid is not yet a premedication");
            Assert.That(Describe(course.At(47.9).Crs), Is.EqualTo("not-gradable suspected-masked-fever [suspected-masked-fever,clinician-review]"));
            Assert.That(Describe(course.At(48).Crs), Is.EqualTo("graded 0 [afebrile-support]"), "48 h after the dexamethasone it no longer masks fever (CRS-AFEBRILE)");
            Assert.That(course.Compute().Episodes, Is.Empty, "not gradable is not grade 1: no episode");
        }
    }

    [Test]
    public void Premedication_ASteroidMoreThan3hBeforeTheDose_IsNotAPremedication_ButStillMasksByCrsAfebrile()
    {
        var course = new TimelineCourse()
            .Medication(-2 - (1 / 60.0), "dexamethasone", "corticosteroid").Medication(1, "tarlatamab", "protocol-drug", endH: 2)
            .Temperature(14, 37.6m).Systolic(14, 86).Medication(13.5, "sodium-chloride-0.9", "fluid-bolus", endH: 14);
        var crs = course.At(14).Crs.Result;
        Assert.That(Describe(crs), Is.EqualTo("not-gradable suspected-masked-fever [suspected-masked-fever,clinician-review]"));
        Assert.That(crs.Rules.Select(r => r.Id), Does.Contain("CRS-AFEBRILE").And.No.Contain("CRS-PREMED"));
    }

    [Test]
    public void Attribution_AFeverAttributedToAnotherCause_DoesNotCount_AFeverAfterTheAttributionDoes()
    {
        var course = new TimelineCourse().Temperature(0, 38.8m, "t-0").Clinician(2, "fever-attributed-other-cause", 1, "attrib")
            .Temperature(3, 37.5m).Temperature(5, 38.6m, "t-5");
        var attributed = course.At(3).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(attributed), Is.EqualTo("graded 0 []"));
            Assert.That(attributed.Result.Domains.Single(d => d.Domain == "fever").Reason, Is.EqualTo("attributed-to-other-cause"));
            Assert.That(attributed.Basis[0], Is.EqualTo(new BasisInput("fever-attributed-other-cause", "true", H(2), Obs("attrib"), false)));
            Assert.That(Describe(course.At(5).Crs), Is.EqualTo("graded 1 []"), "a new fever is a finding the clinician has not judged yet");
        }
    }

    [Test]
    public void Attribution_Withdrawn_TheFeverCountsAgain()
    {
        var course = new TimelineCourse().Temperature(0, 38.8m).Clinician(1, "fever-attributed-other-cause", 1)
            .Clinician(2, "fever-attributed-other-cause", 0).Temperature(3, 37.5m);
        Assert.That(Describe(course.At(1.5).Crs), Is.EqualTo("graded 0 []"));
        Assert.That(Describe(course.At(3).Crs), Is.EqualTo("graded 1 []"));
    }

    [Test]
    public void Attribution_HypotensionAttributed_IsAxis0WhileInForce()
    {
        var course = new TimelineCourse().Temperature(0, 38.8m).Systolic(0, 84).Clinician(1, "hypotension-attributed-other-cause", 1);
        Assert.That(Describe(course.At(0.5).Crs), Is.EqualTo("graded 2 []"));
        Assert.That(Describe(course.At(1).Crs), Is.EqualTo("graded 1 []"));
    }

    [Test]
    public void Vasopressor_RunningCounts_AtItsRecordedEndItIsNotRunning_CrsVasoAdded()
    {
        var course = new TimelineCourse().Temperature(0, 38.9m).Medication(1, "norepinephrine", "vasopressor", endH: 5, id: "norepi");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(course.At(2).Crs), Is.EqualTo("graded 3 []"));
            Assert.That(course.At(2).Crs.Basis, Has.Member(new BasisInput("vasoactive", "norepinephrine (vasopressor) 2026-11-24T09:00Z to 2026-11-24T13:00Z", H(1), Med("norepi"), false)));
            Assert.That(Describe(course.At(5).Crs), Is.EqualTo("graded 1 []"));
            Assert.That(Describe(course.At(5 - (1 / 3600.0)).Crs), Is.EqualTo("graded 3 []"));
            Assert.That(Describe(course.At(9).Crs), Is.EqualTo("graded 1 []"));
        }
    }

    [Test]
    public void Vasopressor_TwoRunningTogether_Grade4_ASwitchIsOneAgent()
    {
        var together = new TimelineCourse().Temperature(0, 38.9m)
            .Medication(1, "norepinephrine", "vasopressor", endH: double.NaN).Medication(2, "phenylephrine", "vasopressor", endH: double.NaN);
        var switched = new TimelineCourse().Temperature(0, 38.9m)
            .Medication(1, "norepinephrine", "vasopressor", endH: 2).Medication(2, "phenylephrine", "vasopressor", endH: double.NaN);
        Assert.That(Describe(together.At(3).Crs), Is.EqualTo("graded 4 []"));
        Assert.That(Describe(switched.At(3).Crs), Is.EqualTo("graded 3 []"));
    }

    [Test]
    public void Oxygen_AFlowRecordedBeforeTheDeviceReading_IsNotItsFlow()
    {
        var course = new TimelineCourse().Temperature(0, 38.4m).Flow(0, 8m).Oxygen(1, "nasal-cannula").Flow(2, 8m, "flow-2");
        var before = course.At(1.5).Crs;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(before), Is.EqualTo("graded 2 [oxygen-flow-missing]"));
            Assert.That(before.StaleOrMissing, Has.Some.StartsWith("oxygenFlow: none recorded with or since the oxygen device"));
            Assert.That(Describe(course.At(2).Crs), Is.EqualTo("graded 3 []"), "8 L/min by nasal cannula is high flow");
        }
    }

    [Test]
    public void Oxygen_ForComfort_CountsAs0OnlyWithARoomAirSpo2Of94OrMore()
    {
        var verified = new TimelineCourse().Temperature(0, 38.2m).Oxygen(0, "nasal-cannula", 2m, "for-comfort").Spo2(0, 98, onRoomAir: true);
        var unverified = new TimelineCourse().Temperature(0, 38.2m).Oxygen(0, "nasal-cannula", 2m, "for-comfort").Spo2(0, 98, onRoomAir: false);
        Assert.That(Describe(verified.At(0.5).Crs), Is.EqualTo("graded 1 []"));
        Assert.That(Describe(unverified.At(0.5).Crs), Is.EqualTo("graded 2 [comfort-oxygen-unverified]"));
        Assert.That(unverified.At(0.5).Crs.StaleOrMissing, Has.Some.StartsWith("roomAirSpo2: none recorded"));
    }

    [Test]
    public void Oxygen_AtBaseline_CountsAs0()
    {
        var course = new TimelineCourse().Temperature(0, 38.2m).Oxygen(0, "nasal-cannula", 2m, "at-baseline");
        Assert.That(Describe(course.At(0.5).Crs), Is.EqualTo("graded 1 []"));
    }

    [Test]
    public void Oxygen_RoomAirWithSpo2Below90_RaisesTheAlertFlag_WithoutAGrade()
    {
        var course = new TimelineCourse().Temperature(0, 37.0m).RoomAir(0, spo2: 87);
        Assert.That(Describe(course.At(0.5).Crs), Is.EqualTo("graded 0 [hypoxia-without-documented-support]"));
    }

    [Test]
    public void CrsDeath_ClinicianInput_Grade5_AndTheEpisodeStaysOpen()
    {
        var course = new TimelineCourse().Temperature(0, 39.0m).Clinician(6, "crs-death", 1);
        var timeline = course.Compute();
        Assert.That(Describe(course.At(100).Crs), Is.EqualTo("graded 5 []"));
        Assert.That(timeline.Episodes.Single(), Is.EqualTo(new Episode(Scale.Crs, H(0), 5, H(6), null, timeline.Episodes.Single().Treatments)));
    }

    [TestCase(11.99, "graded 2 []")]
    [TestCase(12.0, "not-gradable ice-missing []")]
    public void NeuroCheck_IsCurrentFor12h(double hours, string expected)
    {
        var icans = new TimelineCourse().Ice(0, 6).At(hours).Icans;
        Assert.That(Describe(icans), Is.EqualTo(expected));
        if (hours >= 12)
        {
            Assert.That(icans.StaleOrMissing, Is.EqualTo(new[] { "neuroCheck: last ICE 6/10, alert at 2026-11-24T08:00Z is stale (12 h or older)" }));
        }
    }

    [Test]
    public void NeuroCheck_DetailThatIsNotAValidNeuroCheck_IsReported_NotUsed()
    {
        var icans = new TimelineCourse().NeuroCheck(0, """{"iceScore":11,"consciousness":"alert"}""", "bad").At(1).Icans;
        Assert.That(Describe(icans), Is.EqualTo("not-gradable ice-missing []"));
        Assert.That(icans.StaleOrMissing, Is.EqualTo(new[] { "neuroCheck: the detail of QuestionnaireResponse/bad/_history/1 at 2026-11-24T08:00Z is not a valid neuro check: not used" }));
    }

    [Test]
    public void NeuroCheck_ItemsAreReadWithTheCalculatorFieldNames()
    {
        var icans = new TimelineCourse().NeuroCheck(0, """
            {"orientationYear":true,"orientationMonth":true,"orientationCity":false,"orientationHospital":true,"namingCount":2,
             "followsCommands":true,"writesSentence":false,"countsBackwards":true,"consciousness":"awakens-to-voice",
             "seizure":"none","motor":"none","icp":["none"],"excludedFindings":["tremor"]}
            """).At(1).Icans;
        Assert.That(Describe(icans), Is.EqualTo("graded 2 []"));
        Assert.That(icans.Basis.Single().Value, Is.EqualTo("ICE 7/10, awakens-to-voice, excluded tremor"));
    }

    [Test]
    public void ClinicianInput_BaselineIceScore_AppliesToLaterChecks_I27()
    {
        var icans = new TimelineCourse().Clinician(0, "baseline-ice-score", 8, "baseline").Ice(1, 8).At(2).Icans;
        Assert.That(Describe(icans), Is.EqualTo("graded 0 [baseline-limited]"));
        Assert.That(icans.Basis[0], Is.EqualTo(new BasisInput("baseline-ice-score", "8", H(0), Obs("baseline"), false)));
    }

    [Test]
    public void ClinicianInput_IcansDeath_Grade5()
    {
        var course = new TimelineCourse().Ice(0, 2).Clinician(3, "icans-death", 1);
        Assert.That(Describe(course.At(20).Icans), Is.EqualTo("graded 5 []"));
    }

    [Test]
    public void Age_ChildUnder12_CapdIsUsed_I29()
    {
        var child = new PatientFacts(PatientId, new DateOnly(2019, 6, 1));
        var icans = new TimelineCourse().NeuroCheck(0, """{"capdScore":10,"consciousness":"awakens-spontaneously"}""").At(1, child).Icans;
        Assert.That(Describe(icans), Is.EqualTo("graded 3 []"));
    }

    [Test]
    public void Age_ChangesAtThe12thBirthday_IceUsedFromIt()
    {
        // Born 2014-11-25: 11 at hour 0 (2026-11-24T08:00Z), 12 from 2026-11-25T00:00Z (hour 16). ICE 6 at hour 10.
        var child = new PatientFacts(PatientId, new DateOnly(2014, 11, 25));
        var course = new TimelineCourse().Ice(10, 6).Temperature(10, 37.0m);
        var icans = course.Compute(child).Points.Where(p => p.Scale == Scale.Icans).Select(Line);
        Assert.That(icans, Is.EqualTo(new[]
        {
            // At 11 the child is on CAPD; the ICE that was scored still grades (ICANS-SCALE), never 0.
            "icans 2026-11-24T18:00Z graded 2 [scale-age-mismatch] <- QuestionnaireResponse/neuro-1",
            "icans 2026-11-25T00:00Z graded 2 [ice-age-threshold] <- ",
            "icans 2026-11-25T06:00Z not-gradable ice-missing [ice-age-threshold] <- QuestionnaireResponse/neuro-1",
        }));
    }

    [Test]
    public void Age_NoBirthDate_ReportedMissing_AdultScaleUsed()
    {
        var icans = new TimelineCourse().Ice(0, 6).At(1, new PatientFacts(PatientId, null)).Icans;
        Assert.That(Describe(icans), Is.EqualTo("graded 2 []"));
        Assert.That(icans.StaleOrMissing, Is.EqualTo(new[] { "age: no birth date recorded" }));
    }

    [Test]
    public void Readings_OfAnotherPatient_AreNeverUsed()
    {
        var course = new TimelineCourse().Temperature(0, 37.0m);
        course.Readings.Add(course.Readings[0] with { PatientId = "pat-2", Value = 39.5m, Source = Obs("other-patient") });
        Assert.That(Describe(course.At(1).Crs), Is.EqualTo("graded 0 []"));
    }

    [Test]
    public void Vasoactive_AnAgentTheGraderDoesNotKnow_IsReported_NotSilentlyDropped()
    {
        var crs = new TimelineCourse().Temperature(0, 38.5m).Medication(1, "terlipressin", "vasopressor", endH: double.NaN, id: "terli").At(2).Crs;
        Assert.That(crs.StaleOrMissing, Does.Contain("vasoactive: terlipressin (vasopressor) of MedicationAdministration/terli/_history/1 is not an agent the grader knows: not counted"));
    }

    [Test]
    public void Settings_AShorterVitalsPeriod_MakesTemperaturesStaleSooner()
    {
        var course = new TimelineCourse().Temperature(0, 37.2m);
        var settings = new ContinuousGradingSettings { VitalsStaleAfter = TimeSpan.FromHours(2) };
        Assert.That(Describe(course.At(2.5, settings: settings).Crs), Is.EqualTo("not-gradable temperature-missing []"));
        Assert.That(Describe(course.At(2.5).Crs), Is.EqualTo("graded 0 []"));
    }
}
