using System.Data.Common;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Assessment;
using Dapper;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Alerts;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Alerts.RoundSettleKit;
using static CrsMonitor.Service.Tests.Assessment.TimelineCourse;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;
using static CrsMonitor.Service.Tests.Research.LabFhir;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// CRS-ORGAN: organ toxicities and inflammatory markers never change an ASTCT grade. The recorded 48 h tarlatamab C1D1
/// course goes through FHIR over HTTP twice, for two patients of one ward on one clock with the production round settle:
/// once as recorded, once with wildly abnormal labs beside it (ferritin 50,000, CRP 300, platelets 5, IL-6 5,000,
/// creatinine 5, transaminases 3,000, D-dimer 20 µg/mL, fibrinogen 50) sent before the dose, with the vital signs of a
/// round, between rounds, long after the time they were taken, corrected and retracted. Grade points with their basis,
/// episodes, windows, check slots, the clinical monitoring events, alerts and the current status are the same for both;
/// the grading and monitoring reads never load a lab (left out in SQL).
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed partial class CrsOrganLabsTests(StorageProvider provider)
{
    private const string Plain = "p-organ-plain";
    private const string WithLabs = "p-organ-labs";

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

    /// <summary>Wildly abnormal results of every analyte taken at <paramref name="at"/> (identifiers make the last ones correctable).</summary>
    private static IEnumerable<string> AbnormalLabs(DateTimeOffset at, string tag) =>
    [
        Ferritin(WithLabs, 50000m, at),
        Crp(WithLabs, 300m, at),
        Platelets(WithLabs, 5m, at, identifier: $"plt-{tag}"),
        Lab(WithLabs, "26881-3", 5000m, "pg/mL", at),
        Ldh(WithLabs, 2000m, at, identifier: $"ldh-{tag}"),
        Lab(WithLabs, "14682-9", 442m, "umol/L", at),
        Lab(WithLabs, "1920-8", 3000m, "U/L", at),
        Lab(WithLabs, "1742-6", 3000m, "U/L", at),
        Lab(WithLabs, "3255-7", 50m, "mg/dL", at),
        Lab(WithLabs, "48065-7", 20m, "ug/mL", at),
        Crp(WithLabs, 5m, at.AddMinutes(1), comparator: "<"),
    ];

    [Test]
    public async Task CrsOrgan_ACourseWithWildlyAbnormalLabs_HasTheSameGradesEpisodesWindowsSlotsEventsAndAlerts_AsWithout()
    {
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, Plain, West);
        await AdmitAsync(integration, WithLabs, West);
        await AdvanceToAsync(host, H(-1.5));
        await PostLabsAsync(integration, AbnormalLabs(H(-1.5), "pre")); // before the dose

        var rounds = CourseOverFhir.Rounds(GradeTimelineCourseTests.RecordedCourse().Readings, "x").Select(r => r.At).ToList();
        for (var i = 0; i < rounds.Count; i++)
        {
            var at = rounds[i];
            await AdvanceToAsync(host, at);
            foreach (var (patient, labs) in new[] { (Plain, false), (WithLabs, true) })
            {
                var round = CourseOverFhir.Rounds(GradeTimelineCourseTests.RecordedCourse().Readings, patient)[i];
                Assert.That(round.At, Is.EqualTo(at));
                foreach (var resource in round.Resources)
                {
                    await PostAsync(integration, resource.Type, resource.Json);
                }

                if (labs)
                {
                    await PostLabsAsync(integration, AbnormalLabs(at, $"r{i}")); // with the round's vital signs
                }
            }

            if (i + 1 < rounds.Count)
            {
                var between = at + ((rounds[i + 1] - at) / 2);
                await AdvanceToAsync(host, between);
                await PostLabsAsync(integration, AbnormalLabs(between, $"b{i}")); // between rounds
            }
        }

        // Late arrivals, a correction and a retraction: results from the start of the course, sent at its end.
        await AdvanceToAsync(host, H(40));
        await PostLabsAsync(integration, AbnormalLabs(H(2.5), "late"));
        await PostLabsAsync(integration, [Ldh(WithLabs, 2500m, H(2.5), identifier: "ldh-late")]);
        await PostLabsAsync(integration, [Lab(WithLabs, "777-3", 5m, "10*3/uL", H(2.5), identifier: "plt-late", status: "entered-in-error")]);
        await AdvanceToAsync(host, H(72));

        var plain = await StateAsync(Plain);
        var withLabs = await StateAsync(WithLabs);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(withLabs.Labs, Is.GreaterThan(300), "the abnormal labs are stored");
            Assert.That(plain.Labs, Is.Zero);
            Assert.That(plain.Points, Is.Not.Empty);
            Assert.That(plain.Alerts, Has.Some.StartsWith("crs | 2"), "the course raises CRS alerts: the comparison is not of two empty lists");
            Assert.That(withLabs.Points, Is.EqualTo(plain.Points), "grade points");
            Assert.That(withLabs.Episodes, Is.EqualTo(plain.Episodes), "episodes");
            Assert.That(withLabs.Windows, Is.EqualTo(plain.Windows), "monitoring windows");
            Assert.That(withLabs.Slots, Is.EqualTo(plain.Slots), "check slots");
            Assert.That(withLabs.Events, Is.EqualTo(plain.Events), "monitoring events");
            Assert.That(withLabs.Alerts, Is.EqualTo(plain.Alerts), "alerts");
            Assert.That(withLabs.Status, Is.EqualTo(plain.Status), "current status");
            Assert.That(withLabs.GradingReads, Is.Empty, "labs loaded by the grading and monitoring reads");
        }
    }

    private static async Task PostLabsAsync(HttpClient integration, IEnumerable<string> labs)
    {
        foreach (var lab in labs)
        {
            await Ok(await integration.PostAsync("/fhir/Observation", Body(lab)));
        }
    }

    private sealed record PatientState(
        int Labs, IReadOnlyList<string> Points, IReadOnlyList<string> Episodes, IReadOnlyList<string> Windows, IReadOnlyList<string> Slots,
        IReadOnlyList<string> Events, IReadOnlyList<string> Alerts, string Status, IReadOnlyList<Reading> GradingReads);

    /// <summary>Everything grading, monitoring and alerting stored for the patient, without ids and sources (which differ by patient).</summary>
    private async Task<PatientState> StateAsync(string patient)
    {
        await using var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var labs = await ReadingStore.SearchAsync(c, null, patient, [ReadingKind.Lab], null, null, CancellationToken.None);
        var points = (await GradeStore.TimelineAsync(c, patient, null, null, null, CancellationToken.None))
            .Select(p => WithoutIds($"{p.Scale.Code()} {p.EffectiveAt:O} {p.Status} {p.Grade} {p.Reason} {p.ResultJson} {p.CauseJson}")).ToList();
        var episodes = (await GradeStore.EpisodesAsync(c, patient, CancellationToken.None))
            .Select(e => $"{e.Scale.Code()} {e.OnsetAt:O} {e.MaxGrade} {e.MaxAt:O} {e.ResolvedAt:O} {e.TreatmentsJson}").ToList();
        var windows = await RowsAsync(c, patient, """
            SELECT protocol_window_id, setting, opens_at, earliest_end_at, latest_end_at, state, closed_at, next_wake_at
            FROM monitoring_window WHERE patient_id = @Patient
            """);
        var slots = await RowsAsync(c, patient, """
            SELECT s.kind, s.due_at, s.overdue_at, s.basis, s.state, s.done_at
            FROM check_slot s JOIN monitoring_window w ON w.id = s.window_id WHERE w.patient_id = @Patient
            """);
        // Operational events (processed-late: the watchdog took a wake-up late) record the scheduler's real-time race with
        // the stepped clock, not the patient: they are left out. The clinical ones (check-overdue, window-maximum-passed, ...) are compared.
        var events = await RowsAsync(c, patient, "SELECT kind, occurred_at FROM monitoring_event WHERE patient_id = @Patient AND operational = 0");
        var alerts = await RowsAsync(c, patient, """
            SELECT condition, grade, state, title, message, episode_key, raised_at, updated_at, escalation_tier, next_escalation_at
            FROM alert WHERE patient_id = @Patient
            """);
        return new PatientState(labs.Count, points, episodes, windows, slots, events, alerts, await StatusTextAsync(patient), await GradingReadsAsync(c, patient));
    }

    /// <summary>The rows of <paramref name="sql"/> (columns without ids), each as one line, in order.</summary>
    private static async Task<IReadOnlyList<string>> RowsAsync(DbConnection c, string patient, string sql)
    {
        var rows = new List<string>();
        await using var reader = await c.ExecuteReaderAsync(sql, new { Patient = patient });
        while (await reader.ReadAsync())
        {
            rows.Add(WithoutIds(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)))));
        }

        return [.. rows.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The text with every server-assigned id (32 hex digits: resources, windows) replaced by one placeholder: the two
    /// patients' resources have different ids; what they are, their versions, values and times must be the same.
    /// </summary>
    private static string WithoutIds(string text) => ServerId().Replace(text, "{id}");

    [System.Text.RegularExpressions.GeneratedRegex("[0-9a-f]{32}", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex ServerId();

    private async Task<string> StatusTextAsync(string patient)
    {
        using var nurse = FreshClient(host, "nurse", West);
        var status = await StatusAsync(nurse, patient);
        string Grade(JsonNode g) => $"{g["status"]} {g["grade"]} {g["reason"]} {g["flags"]!.ToJsonString()} {g["rules"]!.ToJsonString()}";
        return WithoutIds($"{Grade(status["crs"]!)} | {Grade(status["icans"]!)} {status["crs"]!["basis"]!.ToJsonString()} {status["icans"]!["basis"]!.ToJsonString()}");
    }

    /// <summary>What the grading (whole history and bounded, from the latest checkpoint) and the oracle monitoring reads load: any lab among them.</summary>
    private async Task<IReadOnlyList<Reading>> GradingReadsAsync(DbConnection c, string patient)
    {
        var settings = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ContinuousGradingSettings>>().Value;
        var whole = await ReadingStore.GradingInputsAsync(c, null, patient, CancellationToken.None);
        var bounded = await GradingState.LoadAsync(c, null, patient, H(3), settings, CancellationToken.None);
        var fromEarly = await BoundedReadings.SinceAsync(c, null, patient, H(-3), settings, CancellationToken.None);
        return [.. whole.Concat(bounded.Readings).Concat(fromEarly).Where(r => r.Kind == ReadingKind.Lab)];
    }
}
