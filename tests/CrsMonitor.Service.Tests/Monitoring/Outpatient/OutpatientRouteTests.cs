using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Monitoring.Protocols;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Monitoring.Outpatient;

/// <summary>
/// Issue 17 item 1 over HTTP: the caregiver and proximity attestation (<c>POST /api/windows/{id}/attest</c>), a
/// physician's move between inpatient and home monitoring (<c>POST /api/patients/{id}/setting</c>), and the preview of a
/// pending label version (<c>GET /api/units/{unit}/protocol-changes</c>) against the test-only later tarlatamab file:
/// every role, own unit and another, the audit row, a problem body on every refusal.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class OutpatientRouteTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Day1 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;
    private ProtocolFolder protocols = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;
    private HttpClient physician = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        protocols = OutpatientProtocolTests.FolderWithFixture();
        var settings = database.HostSettings;
        settings["Protocols:Directory"] = protocols.Path;
        host = new ServiceHost(settings);
        host.Time.SetUtcNow(Day1.AddHours(-1));
        integration = FreshClient(host, Roles.Integration);
        nurse = FreshClient(host, Roles.Nurse, Unit);
        physician = FreshClient(host, Roles.Physician, Unit);
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
        protocols.Dispose();
    }

    private async Task DoseAsync(string patient, DateTimeOffset start)
    {
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab(patient, start, start.AddHours(1)))));
    }

    private static JsonNode Window(JsonNode status, string id) =>
        status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == id)!;

    private static string Attestation(int travel = 45) =>
        $$"""{"caregiverName":"Ann Smith","caregiverRelationship":"spouse","caregiverPhone":"+1 555 0100","travelMinutes":{{travel}},"reason":"lives 45 min away"}""";

    private async Task<IReadOnlyList<(string Action, string? Decision, string Detail)>> DecisionsAsync()
    {
        await using var c = await database.Database.OpenAsync(CancellationToken.None);
        return [.. await c.QueryAsync<(string, string?, string)>("SELECT action, decision, detail FROM window_decision WHERE action = 'setting-changed' ORDER BY decided_at, id")];
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string words)
    {
        var text = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), text);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), "every refusal says why");
            Assert.That(text, Does.Contain(words));
        }
    }

    [Test]
    public async Task ProximityWindow_ShowsAttestationMissing_UntilANurseAttests_ThenRecorded_Audited()
    {
        host.Time.SetUtcNow(Day1.AddHours(1));
        await DoseAsync("p", Day1);
        var before = await StatusAsync(nurse, "p");
        var proximity = Window(before, "c1-proximity");
        var census = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Unit}/patients")))!["patients"]![0]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(proximity["attestation"]!["state"]!.GetValue<string>(), Is.EqualTo("missing"));
            Assert.That(proximity["attestation"]!["maxTravelMinutes"]!.GetValue<int>(), Is.EqualTo(60));
            Assert.That(proximity["outpatient"]!.GetValue<bool>(), Is.True);
            Assert.That(Window(before, "c1-observed")["attestation"]!["state"]!.GetValue<string>(), Is.EqualTo("not-required"));
            Assert.That(census["attestationsMissing"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(before["monitoringEvents"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()), Does.Not.Contain("attestation-missing"), "a state, not an event");
        }

        var id = proximity["id"]!.GetValue<string>();
        var created = JsonNode.Parse(await Ok(await nurse.PostAsync($"/api/windows/{id}/attest", ServiceHost.Json(Attestation()))))!;
        var after = Window(await StatusAsync(physician, "p"), "c1-proximity")["attestation"]!;
        var audit = await AuditRowsAsync(host, "monitoring.window.attest", 1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(created["attestation"]!["state"]!.GetValue<string>(), Is.EqualTo("recorded"));
            Assert.That((after["state"]!.GetValue<string>(), after["caregiverName"]!.GetValue<string>(), after["travelMinutes"]!.GetValue<int>(), after["role"]!.GetValue<string>()),
                Is.EqualTo(("recorded", "Ann Smith", 45, "nurse")));
            Assert.That(after["attestedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(1)));
            Assert.That((audit[0].ResourceId, audit[0].PatientId, audit[0].Outcome), Is.EqualTo((id, "p", "success")));
        }
    }

    [Test]
    public async Task Attest_Refused_TravelOverTheLimit_AWindowWithoutCaregiver_MissingFields()
    {
        host.Time.SetUtcNow(Day1.AddHours(1));
        await DoseAsync("p", Day1);
        var status = await StatusAsync(nurse, "p");
        var proximity = Window(status, "c1-proximity")["id"]!.GetValue<string>();
        var observed = Window(status, "c1-observed")["id"]!.GetValue<string>();

        using var atLimit = await nurse.PostAsync($"/api/windows/{proximity}/attest", ServiceHost.Json(Attestation(60)));
        using var overLimit = await nurse.PostAsync($"/api/windows/{proximity}/attest", ServiceHost.Json(Attestation(61)));
        using var noCaregiver = await nurse.PostAsync($"/api/windows/{observed}/attest", ServiceHost.Json(Attestation()));
        using var empty = await nurse.PostAsync($"/api/windows/{proximity}/attest", ServiceHost.Json("{}"));
        using var unknown = await nurse.PostAsync("/api/windows/nope/attest", ServiceHost.Json(Attestation()));
        Assert.That(atLimit.StatusCode, Is.EqualTo(HttpStatusCode.Created), "60 minutes is the limit itself");
        await AssertProblemAsync(overLimit, HttpStatusCode.BadRequest, "61 is more than this window's limit of 60 minutes");
        await AssertProblemAsync(noCaregiver, HttpStatusCode.BadRequest, "requires no caregiver");
        await AssertProblemAsync(empty, HttpStatusCode.BadRequest, "caregiverName");
        Assert.That(await empty.Content.ReadAsStringAsync(), Does.Contain("travelMinutes").And.Contain("caregiverRelationship"));
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "not known");
    }

    [Test]
    public async Task Physician_MovesThePatientHome_AndBackIn_EachChangeADecisionAndAnAuditRow_TheScheduleFollows()
    {
        host.Time.SetUtcNow(Day1.AddHours(1));
        await DoseAsync("p", Day1);
        var before = await StatusAsync(nurse, "p");
        Assert.That((before["setting"]!.GetValue<string>(), before["outpatient"]!.GetValue<bool>()), Is.EqualTo(("observed", false)));
        Assert.That(before["checks"]!["nextVitalSigns"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(4)));

        var moved = JsonNode.Parse(await Ok(await physician.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"home","reason":"hospital at home, wearable kit fitted"}"""))))!;
        var home = await StatusAsync(nurse, "p");
        var census = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Unit}/patients")))!["patients"]![0]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(moved["windows"]!.AsArray().Select(w => w!["protocolWindowId"]!.GetValue<string>()), Is.EqualTo(new[] { "c1-observed" }), "the proximity window stays proximity");
            Assert.That((home["setting"]!.GetValue<string>(), home["outpatient"]!.GetValue<bool>()), Is.EqualTo(("home", true)));
            Assert.That(Window(home, "c1-observed")["setting"]!.GetValue<string>(), Is.EqualTo("home"));
            Assert.That(Window(home, "c1-observed")["attestation"]!["state"]!.GetValue<string>(), Is.EqualTo("missing"), "a patient moved home needs a caregiver");
            Assert.That(home["checks"]!["nextVitalSigns"], Is.Null, "no checks.home in the 2025-11 file: no nurse checks at home");
            Assert.That(home["checks"]!["slots"]!.AsArray(), Is.Empty);
            Assert.That((census["setting"]!.GetValue<string>(), census["outpatient"]!.GetValue<bool>()), Is.EqualTo(("home", true)));
        }

        host.Time.SetUtcNow(Day1.AddHours(2));
        await Ok(await physician.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"inpatient","reason":"febrile, admitted"}""")));
        var admitted = await StatusAsync(nurse, "p");
        var decisions = await DecisionsAsync();
        var audit = await AuditRowsAsync(host, "monitoring.patient.setting", 2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(admitted["setting"]!.GetValue<string>(), Is.EqualTo("inpatient"));
            Assert.That(Window(admitted, "c1-proximity")["setting"]!.GetValue<string>(), Is.EqualTo("inpatient"), "admitted: every open window");
            Assert.That(admitted["checks"]!["nextVitalSigns"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day1.AddHours(4)), "the nurse checks come back");
            Assert.That(decisions.Select(d => (d.Action, d.Decision)), Is.EqualTo(new[]
            {
                ("setting-changed", (string?)"home"), ("setting-changed", "inpatient"), ("setting-changed", "inpatient"),
            }));
            Assert.That(decisions[0].Detail, Does.Contain("\"from\":\"observed\"").And.Contain("\"to\":\"home\""));
            Assert.That(audit.Select(a => (a.PatientId, a.Outcome)), Is.All.EqualTo(("p", "success")));
            Assert.That(Window(admitted, "c1-observed")["decisions"]!.AsArray().Select(d => d!["action"]!.GetValue<string>()),
                Is.EqualTo(new[] { "setting-changed", "setting-changed" }));
        }
    }

    [Test]
    public async Task Move_Refused_ForANurse_AnotherUnit_AnUnknownSetting_NothingToMove()
    {
        host.Time.SetUtcNow(Day1.AddHours(1));
        using var physician5E = host.ClientFor(Roles.Physician, "5E");
        using var byNurse = await nurse.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"home","reason":"r"}"""));
        using var otherUnit = await physician5E.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"home","reason":"r"}"""));
        using var clinic = await physician.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"observation-clinic","reason":"r"}"""));
        using var nothing = await physician.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"home","reason":"r"}"""));
        await AssertProblemAsync(byNurse, HttpStatusCode.Forbidden, "Only a physician");
        await AssertProblemAsync(otherUnit, HttpStatusCode.Forbidden, "not on your units");
        await AssertProblemAsync(clinic, HttpStatusCode.BadRequest, "must be one of inpatient, home");
        await AssertProblemAsync(nothing, HttpStatusCode.Conflict, "no open window");
        var denied = await AuditRowsAsync(host, "monitoring.patient.setting", 4);
        Assert.That(denied.Count(a => a.Outcome == "denied"), Is.EqualTo(2));
        Assert.That(await DecisionsAsync(), Is.Empty);
    }

    [TestCase(Roles.Nurse, Unit, HttpStatusCode.Created)]
    [TestCase(Roles.Physician, Unit, HttpStatusCode.Created)]
    [TestCase(Roles.Nurse, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Physician, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Admin, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Integration, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Researcher, Unit, HttpStatusCode.Forbidden)]
    public async Task Attest_EveryRole_OwnUnitAndAnother(string role, string unit, HttpStatusCode expected)
    {
        host.Time.SetUtcNow(Day1.AddHours(1));
        await DoseAsync("p", Day1);
        var id = Window(await StatusAsync(nurse, "p"), "c1-proximity")["id"]!.GetValue<string>();
        using var client = host.ClientFor(role, unit);
        using var response = await client.PostAsync($"/api/windows/{id}/attest", ServiceHost.Json(Attestation()));
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        if (expected != HttpStatusCode.Created)
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(Window(await StatusAsync(nurse, "p"), "c1-proximity")["attestation"]!["state"]!.GetValue<string>(), Is.EqualTo("missing"));
        }
    }

    [TestCase(Roles.Physician, Unit, HttpStatusCode.OK)]
    [TestCase(Roles.Nurse, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Physician, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Admin, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Integration, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Researcher, Unit, HttpStatusCode.Forbidden)]
    public async Task Move_EveryRole_OwnUnitAndAnother(string role, string unit, HttpStatusCode expected)
    {
        host.Time.SetUtcNow(Day1.AddHours(1));
        await DoseAsync("p", Day1);
        using var client = host.ClientFor(role, unit);
        using var response = await client.PostAsync("/api/patients/p/setting", ServiceHost.Json("""{"setting":"home","reason":"home with wearables"}"""));
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        if (expected != HttpStatusCode.OK)
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }

        Assert.That((await StatusAsync(nurse, "p"))["setting"]!.GetValue<string>(), Is.EqualTo(expected == HttpStatusCode.OK ? "home" : "observed"));
    }

    [Test]
    public async Task Preview_ListsThePatientWhoseNextDoseFallsOnOrAfterThePendingDate_WithBothVersionsWindows()
    {
        // p: C1D1 on 28 January, C1D8 expected 4 February, under the fixture (from 1 February); q: C1D1 on 5 January,
        // C1D8 expected 12 January, before it: not listed.
        await AdmitAsync(integration, "q", Unit);
        host.Time.SetUtcNow(Day1.AddHours(2));
        await DoseAsync("q", Day1);
        var jan28 = new DateTimeOffset(2026, 1, 28, 14, 0, 0, TimeSpan.Zero);
        host.Time.SetUtcNow(jan28.AddHours(2));
        await DoseAsync("p", jan28);

        var preview = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Unit}/protocol-changes")))!;
        var p = preview["patients"]!.AsArray().Single()!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(preview["pendingVersions"]!.AsArray().Select(v => (v!["protocolId"]!.GetValue<string>(), v["effectiveFrom"]!.GetValue<string>(), v["replaces"]!.GetValue<string>())),
                Is.EqualTo(new[] { (OutpatientProtocolTests.FixtureId, "2026-02-01", "tarlatamab-us-2025-11") }));
            Assert.That(p["patientId"]!.GetValue<string>(), Is.EqualTo("p"));
            Assert.That((p["latestDose"]!["place"]!.GetValue<string>(), p["nextDose"]!["place"]!.GetValue<string>(), p["nextDose"]!["expectedOn"]!.GetValue<string>()),
                Is.EqualTo(("C1D1", "C1D8", "2026-02-04")));
            Assert.That(p["inForce"]!["windows"]!.AsArray().Select(w => $"{w!["id"]}:{w["setting"]}:{w["minHours"]}-{w["maxHours"]}"),
                Is.EqualTo(new[] { "c1-observed:observed:22-24", "c1-proximity:proximity:48-48" }));
            Assert.That(p["pending"]!["windows"]!.AsArray().Select(w => $"{w!["id"]}:{w["setting"]}:{w["minHours"]}-{w["maxHours"]}"),
                Is.EqualTo(new[] { "c1-observed:observed:6-8", "c1-home:home:48-48" }));
            Assert.That(p["changed"]!.GetValue<bool>(), Is.True);
            Assert.That(p["changes"]!.AsArray().Select(c => c!.GetValue<string>()), Does.Contain("c1-observed: minHours 22 → 6; maxHours 24 → 8"));
        }

        // The day the version takes effect, nothing is pending any more.
        host.Time.SetUtcNow(new DateTimeOffset(2026, 2, 1, 12, 0, 0, TimeSpan.Zero));
        var after = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{Unit}/protocol-changes")))!;
        Assert.That(after["pendingVersions"]!.AsArray(), Is.Empty);
        Assert.That(after["patients"]!.AsArray(), Is.Empty);
    }

    [TestCase(Roles.Nurse, Unit, HttpStatusCode.OK)]
    [TestCase(Roles.Physician, Unit, HttpStatusCode.OK)]
    [TestCase(Roles.Nurse, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Physician, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Admin, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Integration, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Researcher, Unit, HttpStatusCode.Forbidden)]
    public async Task Preview_EveryRole_OwnUnitAndAnother_Audited(string role, string unit, HttpStatusCode expected)
    {
        var jan28 = new DateTimeOffset(2026, 1, 28, 14, 0, 0, TimeSpan.Zero);
        host.Time.SetUtcNow(jan28.AddHours(2));
        await DoseAsync("p", jan28);
        using var client = host.ClientFor(role, unit);
        using var response = await client.GetAsync($"/api/units/{Unit}/protocol-changes");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), text);
        if (role is Roles.Nurse or Roles.Physician)
        {
            // Roles without the clinical-staff policy are refused before the endpoint (the policy's own audit row).
            var row = (await AuditRowsAsync(host, "unit.protocol-changes", 1)).Single();
            Assert.That((row.ResourceType, row.ResourceId, row.Outcome), Is.EqualTo(("Location", Unit, expected == HttpStatusCode.OK ? "success" : "denied")));
        }

        if (expected != HttpStatusCode.OK)
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(text, Does.Not.Contain("\"p\"").And.Not.Contain("C1D8"), "no patient in a refusal");
        }
    }
}
