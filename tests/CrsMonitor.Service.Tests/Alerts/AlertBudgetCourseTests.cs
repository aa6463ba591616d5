using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Alerts.RoundSettleKit;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// The alert budget (grading-rules.md section 7) through FHIR over HTTP with the production round settle (15 minutes):
/// the public 48 h tarlatamab C1D1 course (GradeTimelineCourseTests.RecordedCourse) raises exactly the expected alerts,
/// whether each round's resources arrive together or one by one, up to 10 minutes apart, in shuffled order; a patient
/// whose temperature and neuro checks never arrive, with no dose and no window, raises no alert at all.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AlertBudgetCourseTests(StorageProvider provider)
{
    private const string Patient = "p-course";

    /// <summary>
    /// Condition, grade, title of every alert of the course, by condition. CRS: fever at h14 opens the episode (grade 1),
    /// the fluid bolus for SBP 86 makes it 2; the later grades 1 and the masked grade 2 at h42 stay in the same episode,
    /// which keeps its worst grade. ICANS: ICE 6 at h20 is grade 2. The c1-observed window reaches its latest end (24 h
    /// after the infusion start) without a decision. The checks of that window nobody took fall overdue, 17 of them, in
    /// one alert for the patient: the 5 vital-signs sets due 4, 8, 12, 16, 20 h after the dose (a set is a temperature,
    /// a systolic BP and an SpO2; the course records SpO2 only at h22), the ICE due at 8 h (taken an hour late), and the
    /// intensified ICE every 30 min for 2 h after CRS 1 at h14 (3, until CRS 2 at h16 starts it again), after CRS 2 (4)
    /// and after ICANS 2 at h20 (4). Nothing else: no review alert for the neuro check that goes stale at h50 or the
    /// temperature missing at h68 (shown on the patient page only), no SpO2 alert (95 %), no stop-infusion (the
    /// infusion had ended when it was recorded).
    /// </summary>
    private static readonly string[] Expected =
    [
        "check-overdue - 17 checks overdue",
        "crs 2 CRS grade 2",
        "icans 2 ICANS grade 2",
        "window-maximum-passed - Monitoring window past its maximum",
    ];

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Host(database, H(-2));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Section7_RecordedCourse_RoundByRound_RaisesExactlyTheExpectedAlerts()
    {
        await PlayAsync(seed: null);
        Assert.That(await AlertListAsync(), Is.EqualTo(Expected));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(2026)]
    public async Task Section7_RecordedCourse_EachRoundsResourcesShuffled_UpTo10MinutesApart_RaisesExactlyTheSameAlerts(int seed)
    {
        await PlayAsync(seed);
        Assert.That(await AlertListAsync(), Is.EqualTo(Expected), $"seed {seed}");
    }

    /// <summary>
    /// The course with one more round at h30: temperature, SpO2 88 % and a nasal cannula at 2 L/min, sent as three
    /// resources in shuffled order. The complete round documents oxygen (CRS stays at its worst, 2: no new alert); an
    /// SpO2 evaluated before its device (the room air of h22 is stale by then) would raise CRS-SPO2.
    /// </summary>
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(2026)]
    public async Task Section7_RecordedCourse_PlusAHypoxicRoundOnOxygen_Shuffled_RaisesTheSameAlerts_NoneFromAnSpo2BeforeItsDevice(int seed)
    {
        var course = Assessment.GradeTimelineCourseTests.RecordedCourse()
            .Temperature(30, 37.4m, "temp-h30").Spo2(30, 88m, onRoomAir: false, id: "spo2-h30").Oxygen(30, "nasal-cannula", 2m, id: "o2-h30");
        await PlayAsync(seed, course.Readings);
        Assert.That(await AlertListAsync(), Is.EqualTo(Expected), $"seed {seed}");
    }

    [Test]
    public async Task Section7_VitalSignsButNoTemperatureAndNoNeuroCheck_NoDoseNoWindow_NoAlertOverDays_TheStatusShowsTheMissingInputs()
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await AdmitAsync(integration, "p-partial", West);
        for (var hours = 0; hours <= 72; hours += 4)
        {
            var at = H(hours);
            await AdvanceToAsync(host, at);
            await ObservationAsync(integration, Systolic("p-partial", 118m, at));
            await ObservationAsync(integration, OxygenDevice("p-partial", "room-air", at.AddMinutes(2)));
            await ObservationAsync(integration, Spo2("p-partial", 96m, at.AddMinutes(3)));
        }

        await AdvanceToAsync(host, H(80));
        var status = await StatusAsync(nurse, "p-partial");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await AlertsOfAsync(nurse, "p-partial"), Is.Empty, "missing inputs are shown, never pushed");
            Assert.That(Text(status["crs"]!, "reason"), Is.EqualTo("temperature-missing"));
            Assert.That(status["crs"]!["staleOrMissing"]!.AsArray().Select(s => s!.GetValue<string>()), Does.Contain("temperature: none recorded"));
            Assert.That(Text(status["icans"]!, "reason"), Is.EqualTo("ice-missing"));
            Assert.That(await NextDueAsync(host), Is.Null, "every round was evaluated");
        }
    }

    /// <summary>Admits the patient and posts the course round by round, each at its time, or shuffled and spread by <paramref name="seed"/>.</summary>
    private async Task PlayAsync(int? seed, IReadOnlyList<Readings.Reading>? readings = null)
    {
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, Patient, West);
        var random = seed is { } s ? new Random(s) : null;
        foreach (var (at, resources) in CourseOverFhir.Rounds(readings ?? Assessment.GradeTimelineCourseTests.RecordedCourse().Readings, Patient))
        {
            var order = resources.ToArray();
            var offsets = new TimeSpan[order.Length];
            if (random is not null)
            {
                random.Shuffle(order);
                offsets = [.. offsets.Select(_ => TimeSpan.FromSeconds(random.Next(0, 601))).Order()];
            }

            for (var i = 0; i < order.Length; i++)
            {
                await AdvanceToAsync(host, at + offsets[i]);
                await PostAsync(integration, order[i].Type, order[i].Json);
            }
        }

        await AdvanceToAsync(host, H(72)); // past the ICANS (h50) and CRS (h68) episodes' ends: not-gradable raises nothing
    }

    private async Task<IReadOnlyList<string>> AlertListAsync()
    {
        using var nurse = FreshClient(host, "nurse", West);
        return [.. (await AlertsOfAsync(nurse, Patient))
            .Select(a => $"{Text(a!, "condition")} {a!["grade"]?.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {Text(a, "title")}")
            .Order(StringComparer.Ordinal)];
    }
}
