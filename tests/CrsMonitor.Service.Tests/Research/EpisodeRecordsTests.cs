using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Research.Episodes;
using CrsMonitor.Service.Tests.Assessment;
using CrsMonitor.Service.Tests.Monitoring.Protocols;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>
/// The episode record over hand-made courses (pure): the dose an episode follows, the peak's inputs by rule id
/// (CRS-MASK and CRS-PREMED name why fever was masked), ICANS items, and an episode with no dose before it.
/// </summary>
public sealed class EpisodeRecordsTests
{
    private static readonly EpisodeRecordSettings Settings = new(TimeSpan.FromHours(3), TimeSpan.FromHours(4), TimeSpan.FromHours(48));
    private static ProtocolCatalog catalog = null!;

    [OneTimeSetUp]
    public static void LoadProtocols() => catalog = new ProtocolCatalog(ProtocolLoader.Load(ProtocolLoader.DefaultDirectory, ProtocolFolder.DrugData), "US");

    private static IReadOnlyList<EpisodeRecord> Records(TimelineCourse course, params DoseRow[] doses)
    {
        var timeline = course.Compute();
        return EpisodeRecords.Build(new CourseFacts(PatientId, Adult.BirthDate, timeline, doses, [], course.Readings), catalog, Settings, H(96));
    }

    private static DoseRow Tarlatamab(double startH, double endH, string administration) => new()
    {
        Id = "dose-" + administration, PatientId = PatientId, DrugKey = "tarlatamab", AdministrationId = administration,
        StartedAt = H(startH), EndedAt = H(endH), ProtocolId = "tarlatamab-us-2025-11", Cycle = 1, Day = 1,
    };

    [Test]
    public void CRS_MASK_AtThePeak_IsRecordedAsFeverMasked_WithTheRulesWords()
    {
        // The recorded course (fever h14-h17, tocilizumab h18, dexamethasone h21) with norepinephrine started for the SBP
        // of 84 at h42: past the 24 h fever look-back, on fever therapy, grade 3 with the fever masked (CRS-MASK), the peak.
        var course = GradeTimelineCourseTests.RecordedCourse().Medication(42, "norepinephrine", "vasopressor", endH: 46, id: "ne");
        var crs = Records(course, Tarlatamab(1, 2, "tarlatamab-c1d1")).Single(r => r.Scale == Scale.Crs);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs.MaxGrade, Is.EqualTo(3));
            Assert.That(crs.PeakAt, Is.EqualTo(H(42)));
            Assert.That(crs.Peak.VasopressorCount, Is.EqualTo(1));
            Assert.That(crs.Peak.FeverMasked, Is.True);
            Assert.That(crs.Peak.FeverMaskedWhy, Does.Contain("CRS-MASK"));
            Assert.That(crs.Peak.TmaxCelsius, Is.EqualTo(38.9m));
            Assert.That(crs.HoursFromStart(crs.PeakAt), Is.EqualTo(41m));
            Assert.That(crs.Dose!.StepUpIndex, Is.EqualTo(1));
            Assert.That(crs.Dose.Route, Is.EqualTo("IV"));
        }
    }

    [Test]
    public void AnEpisodeWithNoDoseBeforeIt_HasNoDoseAndNoRelativeHours_NeverInventedOnes()
    {
        var course = new TimelineCourse().Temperature(5, 38.5m).Temperature(9, 37.0m);
        var crs = Records(course, Tarlatamab(20, 21, "later")).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs.Dose, Is.Null, "the only dose came after the onset");
            Assert.That(crs.HoursFromStart(crs.OnsetAt), Is.Null);
            Assert.That(crs.HoursFromEnd(crs.ResolvedAt), Is.Null);
            Assert.That(crs.AgeAtDoseYears, Is.EqualTo(58), "age at the onset without a dose");
        }
    }

    [Test]
    public void ICANS_LowestIce_AndTheNeuroFindingsAtThePeak_ComeFromTheNeuroChecks()
    {
        var course = GradeTimelineCourseTests.RecordedCourse();
        var icans = Records(course, Tarlatamab(1, 2, "tarlatamab-c1d1")).Single(r => r.Scale == Scale.Icans);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((icans.MaxGrade, icans.HoursFromStart(icans.OnsetAt)), Is.EqualTo((2, 19m)));
            Assert.That((icans.Peak.LowestIce, icans.Peak.LowestIceAt), Is.EqualTo(((int?)6, (DateTimeOffset?)H(20))));
            Assert.That(icans.Peak.Consciousness, Is.EqualTo("alert"));
            Assert.That(icans.Peak.TmaxCelsius, Is.Null, "CRS inputs are not an ICANS episode's");
            Assert.That(icans.Treatments.Select(t => t.Drug), Is.EqualTo(new[] { "dexamethasone" }), "tocilizumab came before the ICANS onset");
            Assert.That(icans.Dose!.Premedication.Select(p => (p.Drug, p.StartedAt)), Is.EqualTo(new[] { ("dexamethasone", H(0)) }));
        }
    }
}
