using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule;

/// <summary>
/// What clinicians do by hand (open, extend, close a window; outside doses and sequence corrections by a physician) and
/// the vignettes that need a course of doses and grades (P03, P06, P07), through the HTTP API.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class ClinicianActionTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Day1 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;
    private HttpClient physician = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(Day1.AddHours(-1));
        integration = FreshClient(host, "integration");
        nurse = FreshClient(host, "nurse", Unit);
        physician = FreshClient(host, "physician", Unit);
        await AdmitAsync(integration, "p", Unit);
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        physician.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private async Task DoseAsync(DateTimeOffset start)
    {
        host.Time.SetUtcNow(start.AddHours(1));
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p", start, start.AddHours(1)))));
    }

    private static JsonNode Window(JsonNode status, string id) =>
        status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == id)!;

    [Test]
    public async Task Nurse_ExtendsThenClosesAWindowWithADischargeDecision_Audited_NoMoreChecksDue()
    {
        await DoseAsync(Day1);
        var windowId = Window(await StatusAsync(nurse, "p"), "c1-observed")["id"]!.GetValue<string>();
        host.Time.SetUtcNow(Day1.AddHours(23));
        var extended = JsonNode.Parse(await Ok(await nurse.PostAsync($"/api/windows/{windowId}/extend", ServiceHost.Json("""{"hours":4,"reason":"low-grade temperature, keep observing"}"""))))!;
        Assert.That(extended["latestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(28)));

        host.Time.SetUtcNow(Day1.AddHours(25));
        var closed = JsonNode.Parse(await Ok(await nurse.PostAsync($"/api/windows/{windowId}/close", ServiceHost.Json("""{"decision":"discharge","reason":"afebrile, ICE 10, caregiver present"}"""))))!;
        var status = await StatusAsync(nurse, "p");
        var audit = await AuditStore.RecentAsync(database.Database.OpenAsync(CancellationToken.None).Result, 50, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(closed["state"]!.GetValue<string>(), Is.EqualTo("closed"));
            Assert.That(closed["decisions"]!.AsArray().Select(d => d!["action"]!.GetValue<string>()), Is.EqualTo(new[] { "extended", "closed" }));
            Assert.That(Window(status, "c1-observed")["state"]!.GetValue<string>(), Is.EqualTo("closed"));
            Assert.That(status["checks"]!["slots"]!.AsArray().Where(s => Window(status, "c1-observed")["id"]!.GetValue<string>() == s!["windowId"]!.GetValue<string>()), Is.Empty);
            Assert.That(status["monitoringEvents"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()), Does.Not.Contain("window-maximum-passed"));
            Assert.That(audit.Select(a => a.Action), Does.Contain("monitoring.window.extend").And.Contain("monitoring.window.close"));
        }
    }

    [Test]
    public async Task Close_WithoutAReasonOrWithAnUnknownDecision_Is400NamingTheField()
    {
        await DoseAsync(Day1);
        var windowId = Window(await StatusAsync(nurse, "p"), "c1-observed")["id"]!.GetValue<string>();
        var response = await nurse.PostAsync($"/api/windows/{windowId}/close", ServiceHost.Json("""{"decision":"home"}"""));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(body["errors"]!["decision"]!.ToJsonString(), Does.Contain("discharge"));
            Assert.That(body["errors"]!["reason"]!.ToJsonString(), Does.Contain("required"));
        }
    }

    [Test]
    public async Task Nurse_OpensAWindowByHand_WithTheDefaultProtocolsCheckSchedule()
    {
        host.Time.SetUtcNow(Day1);
        var opened = JsonNode.Parse(await Ok(await nurse.PostAsync("/api/patients/p/windows", ServiceHost.Json("""{"minHours":6,"maxHours":8,"reason":"fever at home after C1D15"}"""))))!;
        var status = await StatusAsync(nurse, "p");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(opened["latestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(8)));
            Assert.That(status["checks"]!["nextVitalSigns"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(4)));
        }
    }

    [Test]
    public async Task Nurse_OpensAWindowByHandFromSixHoursAgo_TheMissedChecksAlertIsRaisedByTheActionItself()
    {
        // Issue 12: a clinician action goes through the same patient pass as every write, so its monitoring events are
        // evaluated at once (before, only a later write raised the alert: the window wake-up found no new event).
        host.Time.SetUtcNow(Day1);
        var opensAt = Day1.AddHours(-6).ToString("O");
        await Ok(await nurse.PostAsync("/api/patients/p/windows", ServiceHost.Json($$"""{"opensAt":"{{opensAt}}","minHours":12,"maxHours":24,"reason":"fever at home after C1D15"}""")));
        var status = await StatusAsync(nurse, "p");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status["monitoringEvents"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()), Does.Contain("check-overdue"));
            Assert.That(status["alerts"]!.AsArray().Select(a => a!["condition"]!.GetValue<string>()), Is.EqualTo(new[] { "check-overdue" }));
        }
    }

    [Test]
    public async Task OutsideDoseAndCorrection_PhysicianOnly_SequenceFollowsTheCorrection()
    {
        var outside = ServiceHost.Json($$"""{"drug":"tarlatamab","cycle":1,"day":1,"startedAt":"{{Iso(Day1)}}","reason":"C1D1 given at the referring hospital"}""");
        host.Time.SetUtcNow(Day1.AddDays(1));
        Assert.That((await nurse.PostAsync("/api/patients/p/doses", outside)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await Ok(await physician.PostAsync("/api/patients/p/doses", ServiceHost.Json($$"""{"drug":"tarlatamab","cycle":1,"day":1,"startedAt":"{{Iso(Day1)}}","reason":"C1D1 given at the referring hospital"}""")));

        await DoseAsync(Day1.AddDays(7)); // from history: the dose after C1D1 is C1D8
        var status = await StatusAsync(nurse, "p");
        var c1d8 = status["doses"]!.AsArray().Single(d => d!["administrationId"] is not null)!;
        Assert.That(c1d8["place"]!.GetValue<string>(), Is.EqualTo("C1D8"));

        // Treatment paused for weeks; the physician restarts the step-up: this dose is C1D1 again.
        var corrected = JsonNode.Parse(await Ok(await physician.PutAsync($"/api/doses/{c1d8["id"]!.GetValue<string>()}/place",
            ServiceHost.Json("""{"cycle":1,"day":1,"reason":"restart of step-up after a 6-week delay"}"""))))!;
        var bad = await physician.PutAsync($"/api/doses/{c1d8["id"]!.GetValue<string>()}/place", ServiceHost.Json("""{"cycle":1,"day":3,"reason":"typo"}"""));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(corrected["place"]!.GetValue<string>(), Is.EqualTo("C1D1"));
            Assert.That(corrected["sequenceBasis"]!.GetValue<string>(), Is.EqualTo("physician"));
            Assert.That(corrected["windows"]!.AsArray().Select(w => w!["protocolWindowId"]!.GetValue<string>()), Is.EquivalentTo(new[] { "c1-observed", "c1-proximity" }));
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await bad.Content.ReadAsStringAsync(), Does.Contain("C1D3 is not a dose of tarlatamab-us-2025-11"));
        }
    }

    [Test]
    public async Task P02_P03_C1D15_ObservedAfterTheInfusion_UnlessGrade2CrsAfterC1D8_ThenExtended22To24HoursFromStart()
    {
        await DoseAsync(Day1);
        await DoseAsync(Day1.AddDays(7));
        // Grade 2 CRS 12 h after the C1D8 start: fever and 6 L/min by nasal cannula.
        var onset = Day1.AddDays(7).AddHours(12);
        host.Time.SetUtcNow(onset);
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p", 38.6m, "Cel", onset))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p", 118m, onset))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p", "nasal-cannula", onset, 6.0m))));
        Assert.That((await StatusAsync(nurse, "p"))["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(2));
        var c1d15 = Day1.AddDays(14);
        await DoseAsync(c1d15);

        var status = await StatusAsync(nurse, "p");
        var dose = status["doses"]!.AsArray().Single(d => d!["place"]!.GetValue<string>() == "C1D15")!;
        var extended = Window(status, "extended-observed");
        var own = Window(status, "c1d15-observed");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dose["extendedMonitoring"]!.GetValue<bool>(), Is.True);
            Assert.That(dose["extendedReason"]!.GetValue<string>(), Does.Contain("grade 2 CRS").And.Contain("C1D8"));
            Assert.That(extended["earliestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(c1d15.AddHours(22)));
            Assert.That(extended["latestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(c1d15.AddHours(24)));
            Assert.That(own["earliestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(c1d15.AddHours(1 + 6)), "P02: 6-8 h after the end of the infusion");
            Assert.That(own["latestEnd"]!.GetValue<DateTimeOffset>(), Is.EqualTo(c1d15.AddHours(1 + 8)));
        }
    }

    [Test]
    public async Task P06_CrsOnset30HoursAfterC1D8Start_OutsideTheWindow_StillGraded()
    {
        await DoseAsync(Day1);
        await DoseAsync(Day1.AddDays(7));
        var onset = Day1.AddDays(7).AddHours(30);
        host.Time.SetUtcNow(onset);
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p", 38.5m, "Cel", onset))));
        var status = await StatusAsync(nurse, "p");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(status["windows"]!.AsArray()
                .Where(x => x!["protocolWindowId"]!.GetValue<string>() == "c1-observed")
                .Select(x => x!["latestEnd"]!.GetValue<DateTimeOffset>()).ToList(), Has.Count.EqualTo(2).And.All.LessThan(onset), "the onset is after both observed windows");
            Assert.That(status["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(status["episodes"]!.AsArray().Single(e => e!["scale"]!.GetValue<string>() == "crs")!["onset"]!.GetValue<DateTimeOffset>(), Is.EqualTo(onset));
        }
    }

    [Test]
    public async Task P07_Grade4Crs_TheNextDoseIsFlaggedForPhysicianConfirmation_WithTheLabelText()
    {
        await DoseAsync(Day1);
        var onset = Day1.AddHours(14);
        host.Time.SetUtcNow(onset);
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p", 39.2m, "Cel", onset))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p", 120m, onset))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p", "bipap", onset))));
        Assert.That((await StatusAsync(nurse, "p"))["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(4));
        await DoseAsync(Day1.AddDays(7));

        var next = (await StatusAsync(nurse, "p"))["doses"]!.AsArray().Single(d => d!["place"]!.GetValue<string>() == "C1D8")!;
        Assert.That(next["confirmationRequired"]!.GetValue<string>(), Does.Contain("grade 4 CRS").And.Contain("Permanently discontinue").And.Contain("Label Table 5"));
    }

    [Test]
    public async Task CliniciansOfThePatientsUnit_SeeWhichProtocolVersionAppliesToEachDose_AdminIntegrationAndOtherUnitsGet403()
    {
        await DoseAsync(Day1);
        var answer = JsonNode.Parse(await Ok(await physician.GetAsync("/api/patients/p/protocols")))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(answer["doses"]!.AsArray().Select(d => (d!["place"]!.GetValue<string>(), d["protocolId"]!.GetValue<string>(), d["version"]!.GetValue<string>())),
                Is.EqualTo(new[] { ("C1D1", "tarlatamab-us-2025-11", "2025-11") }));
            Assert.That(answer["today"]!.AsArray().Single()!["protocolId"]!.GetValue<string>(), Is.EqualTo("tarlatamab-us-2025-11"));
        }

        // Every role, on the patient's unit and on another: which doses a patient had is patient data.
        (string Role, string? Unit, HttpStatusCode Status, string Outcome)[] matrix =
        [
            ("nurse", Unit, HttpStatusCode.OK, "success"),
            ("physician", Unit, HttpStatusCode.OK, "success"),
            ("nurse", "5E", HttpStatusCode.Forbidden, "denied"),
            ("physician", "5E", HttpStatusCode.Forbidden, "denied"),
            ("admin", Unit, HttpStatusCode.Forbidden, "denied"),
            ("admin", null, HttpStatusCode.Forbidden, "denied"),
            ("integration", null, HttpStatusCode.Forbidden, "denied"),
        ];
        foreach (var (role, unit, status, outcome) in matrix)
        {
            using var client = unit is null ? FreshClient(host, role) : FreshClient(host, role, unit);
            var response = await client.GetAsync("/api/patients/p/protocols");
            var body = await response.Content.ReadAsStringAsync();
            var correlationId = response.Headers.GetValues("X-Correlation-Id").Single();
            await using var connection = await database.Database.OpenAsync(CancellationToken.None);
            var rows = (await AuditStore.RecentAsync(connection, 500, CancellationToken.None)).Where(r => r.CorrelationId == correlationId).ToList();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(response.StatusCode, Is.EqualTo(status), $"{role} on {unit ?? "no unit"}: {body}");
                Assert.That(rows.Select(r => (r.Outcome, r.PatientId)), Is.EqualTo(new[] { (outcome, (string?)"p") }), $"{role} on {unit ?? "no unit"}: one audit row naming the patient");
                if (status != HttpStatusCode.OK)
                {
                    Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), body);
                    Assert.That(JsonNode.Parse(body)!["status"]!.GetValue<int>(), Is.EqualTo(403), body);
                }
            }
        }
    }
}
