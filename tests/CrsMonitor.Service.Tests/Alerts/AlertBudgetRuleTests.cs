using CrsMonitor.Grading;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// The alert budget (grading-rules.md section 7) on the rule table alone, one test per line, both sides: what raises
/// an alert (a new CRS or ICANS episode, a grade increase, suspected-masked-fever, CRS-SPO2, a check overdue, a window
/// maximum passed, CRS during a running infusion) and what never does (a not-gradable result that only lacks an input,
/// a sedated patient, other review flags; one check-overdue alert per patient, never one per slot or window).
/// </summary>
public sealed class AlertBudgetRuleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private static GradePointDocument Point(Scale scale, string status, int? grade, string? reason = null, string[]? flags = null, RuleResponse[]? rules = null) =>
        new(scale, Now.AddMinutes(-5), new GradeResponse(status, grade, reason, flags ?? [], rules ?? [], [], [], [], "ASTCT-2019"), [], [], []);

    private static GradePointDocument Graded(Scale scale, int grade, params string[] flags) => Point(scale, "graded", grade, flags: flags);

    private static GradePointDocument NotGradable(Scale scale, string reason, params string[] flags) => Point(scale, "not-gradable", null, reason, flags);

    private static AlertFacts Facts(
        GradePointDocument? crs = null, GradePointDocument? icans = null, EpisodeSpan[]? episodes = null, Reading[]? readings = null,
        WindowRow[]? windows = null, EventRow[]? events = null) =>
        new(Now, crs, icans, episodes ?? [], readings ?? [], windows ?? [], events ?? [], null, AlertThresholds.Default);

    private static IReadOnlyList<string> Conditions(AlertFacts facts) => [.. AlertRules.Evaluate(facts).Select(c => c.Condition)];

    private static EpisodeSpan Episode(Scale scale, DateTimeOffset onset, DateTimeOffset? resolved = null) =>
        new() { Scale = scale, OnsetAt = onset, MaxAt = onset, MaxGrade = 1, ResolvedAt = resolved };

    private static WindowRow Window(string id, string protocolWindowId, WindowState state = WindowState.Open) => new()
    {
        Id = id, PatientId = "p", ProtocolWindowId = protocolWindowId, Setting = WindowSetting.Observed, State = state,
        OpensAt = Now.AddHours(-10), EarliestEndAt = Now.AddHours(12), LatestEndAt = Now.AddHours(14),
    };

    private static EventRow Overdue(long id, string windowId, string check, DateTimeOffset dueAt) => new()
    {
        Id = id, PatientId = "p", WindowId = windowId, Kind = EventKinds.CheckOverdue, OccurredAt = dueAt.AddMinutes(15),
        Detail = $$"""{"check":"{{check}}","dueAt":"{{dueAt:O}}"}""",
    };

    private static Reading Infusion(DateTimeOffset? end) => new()
    {
        PatientId = "p", Kind = ReadingKind.Medication, EffectiveAt = Now.AddHours(-1), EndAt = end, Code = "tarlatamab", Qualifier = "protocol-drug",
        Source = new ReadingSource("MedicationAdministration", "dose-1", 1),
    };

    [Test]
    public void NewCrsEpisode_Grade1Raises_Grade0DoesNot()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 1))), Is.EqualTo(new[] { "crs" }));
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 0))), Is.Empty);
        }
    }

    [Test]
    public void NewIcansEpisode_Grade1Raises_Grade0DoesNot()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(icans: Graded(Scale.Icans, 1))), Is.EqualTo(new[] { "icans" }));
            Assert.That(Conditions(Facts(icans: Graded(Scale.Icans, 0))), Is.Empty);
        }
    }

    [Test]
    public void GradeIncrease_InTheSameEpisode_IsTheSameAlertWithTheHigherGrade_ANewEpisodeIsANewAlert()
    {
        var onset = Now.AddHours(-3);
        var one = AlertRules.Evaluate(Facts(crs: Graded(Scale.Crs, 1), episodes: [Episode(Scale.Crs, onset)])).Single();
        var two = AlertRules.Evaluate(Facts(crs: Graded(Scale.Crs, 2), episodes: [Episode(Scale.Crs, onset)])).Single();
        var next = AlertRules.Evaluate(Facts(crs: Graded(Scale.Crs, 1), episodes: [Episode(Scale.Crs, onset), Episode(Scale.Crs, Now.AddHours(-1))])).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(two.EpisodeKey, Is.EqualTo(one.EpisodeKey), "updated in place");
            Assert.That((one.Grade, two.Grade), Is.EqualTo((1, 2)));
            Assert.That(next.EpisodeKey, Is.Not.EqualTo(one.EpisodeKey));
        }
    }

    [Test]
    public void SuspectedMaskedFever_AsTheNotGradableReason_RaisesAClinicianReview()
    {
        var review = AlertRules.Evaluate(Facts(crs: NotGradable(Scale.Crs, NotGradableReasons.SuspectedMaskedFever, GradeFlags.SuspectedMaskedFever, GradeFlags.ClinicianReview))).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(review.Condition, Is.EqualTo("clinician-review"));
            Assert.That(review.Title, Is.EqualTo("CRS: clinician review needed"));
            Assert.That(review.EpisodeKey, Is.EqualTo("crs:suspected-masked-fever:2026-01-05"), "outside a CRS episode: per day");
            Assert.That(review.Message, Does.Contain("suspected-masked-fever"));
            Assert.That(review.Grade, Is.Null);
        }
    }

    [Test]
    public void SuspectedMaskedFever_AsAFlagOnAGradedResult_RaisesAClinicianReview_KeyedByTheOpenCrsEpisode()
    {
        var onset = Now.AddHours(-20);
        var candidates = AlertRules.Evaluate(Facts(crs: Graded(Scale.Crs, 1, GradeFlags.SuspectedMaskedFever), episodes: [Episode(Scale.Crs, onset)]));
        var review = candidates.Single(c => c.Condition == "clinician-review");
        Assert.That(review.EpisodeKey, Is.EqualTo("crs:suspected-masked-fever:2026-01-04T16:00Z"));
    }

    [TestCase(Scale.Crs, NotGradableReasons.TemperatureMissing)]
    [TestCase(Scale.Icans, NotGradableReasons.NoNeuroAssessment)]
    [TestCase(Scale.Icans, "ice-missing")]
    [TestCase(Scale.Icans, "capd-missing")]
    [TestCase(Scale.Icans, NotGradableReasons.Sedated)]
    [TestCase(Scale.Crs, "some-future-reason")]
    public void NotGradable_ForAnyReasonButSuspectedMaskedFever_RaisesNothing(Scale scale, string reason)
    {
        var point = NotGradable(scale, reason, GradeFlags.ClinicianReview);
        Assert.That(Conditions(scale == Scale.Crs ? Facts(crs: point) : Facts(icans: point)), Is.Empty);
    }

    [TestCase(GradeFlags.ClinicianReview)]
    [TestCase(GradeFlags.Sedated)]
    [TestCase(GradeFlags.BaselineLimited)]
    [TestCase(GradeFlags.FeverMasked)]
    public void ReviewFlags_OtherThanSuspectedMaskedFever_OnAGrade0_RaiseNothing(string flag)
    {
        Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 0, flag), icans: Graded(Scale.Icans, 0, flag))), Is.Empty);
    }

    [Test]
    public void MissingInputs_OutsideAnyWindow_NoDoseNoEpisode_RaiseNothingAtAll()
    {
        var facts = Facts(crs: NotGradable(Scale.Crs, NotGradableReasons.TemperatureMissing, GradeFlags.ClinicianReview), icans: NotGradable(Scale.Icans, NotGradableReasons.NoNeuroAssessment));
        Assert.That(AlertRules.Evaluate(facts), Is.Empty);
    }

    [Test]
    public void HypoxiaWithoutDocumentedSupport_CrsSpo2_Raises_WithoutTheFlagNothing()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 0, GradeFlags.HypoxiaWithoutDocumentedSupport))), Is.EqualTo(new[] { "spo2-without-oxygen" }));
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 0))), Is.Empty);
        }
    }

    [Test]
    public void ChecksOverdue_InTwoOpenWindows_RaiseOneAlertPerPatient_ListingEveryOverdueCheck()
    {
        var candidates = AlertRules.Evaluate(Facts(
            windows: [Window("w1", "c1-observed"), Window("w2", "c1-inpatient")],
            events:
            [
                Overdue(1, "w1", "vital-signs", Now.AddHours(-4)), Overdue(2, "w1", "vital-signs", Now.AddHours(-2)),
                Overdue(3, "w2", "ice", Now.AddHours(-1)),
            ]));
        var overdue = candidates.Single(c => c.Condition == "check-overdue");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(overdue.EpisodeKey, Is.EqualTo(AlertRules.CheckOverdueKey), "one per patient, whatever the window");
            Assert.That(overdue.Title, Is.EqualTo("3 checks overdue"));
            Assert.That(overdue.Basis.Rules, Has.Count.EqualTo(3), "one line per overdue check, not one alert per slot");
            Assert.That(overdue.Message, Does.Contain("vital-signs check due 2026-01-05T08:00Z (c1-observed window)").And.Contain("ice check due 2026-01-05T11:00Z (c1-inpatient window)"));
        }
    }

    [Test]
    public void ChecksOverdue_NoneOverdue_OrOnlyInAClosedWindow_RaiseNothing()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(windows: [Window("w1", "c1-observed")])), Is.Empty);
            Assert.That(Conditions(Facts(windows: [Window("w1", "c1-observed", WindowState.Closed)], events: [Overdue(1, "w1", "vital-signs", Now.AddHours(-4))])), Is.Empty);
        }
    }

    [Test]
    public void WindowMaximumPassed_WithTheWindowStillOpen_Raises_AClosedWindowDoesNot()
    {
        var passed = new EventRow { Id = 9, PatientId = "p", WindowId = "w1", Kind = EventKinds.MaximumPassed, OccurredAt = Now.AddMinutes(-1) };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(windows: [Window("w1", "c1-observed")], events: [passed])), Is.EqualTo(new[] { "window-maximum-passed" }));
            Assert.That(Conditions(Facts(windows: [Window("w1", "c1-observed", WindowState.Closed)], events: [passed])), Is.Empty);
        }
    }

    [Test]
    public void CrsWhileAProtocolDrugInfusionRuns_RaisesStopInfusion_AfterItEndedItDoesNot()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 1), readings: [Infusion(end: null)])), Is.EquivalentTo(new[] { "crs", "stop-infusion" }));
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 1), readings: [Infusion(end: Now.AddMinutes(-30))])), Is.EqualTo(new[] { "crs" }));
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 0), readings: [Infusion(end: null)])), Is.Empty, "no CRS signs");
        }
    }

    [Test]
    public void Grade4Crs_AddsPermanentlyDiscontinue_Grade3DoesNot()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 4))), Is.EqualTo(new[] { "crs", "permanently-discontinue" }));
            Assert.That(Conditions(Facts(crs: Graded(Scale.Crs, 3))), Is.EqualTo(new[] { "crs" }));
        }
    }
}
