using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Research.Export.ExportKit;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Outpatient;

/// <summary>
/// <c>GET /api/units/{unit}/virtual-ward</c> (issue 17 item 6): who is on it (a patient moved home; not the inpatient of
/// the same unit with no device), every role on its own unit and another, a problem body on every refusal, the audit
/// row of each request.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class VirtualWardRouteTests(StorageProvider provider)
{
    private const string Unit = "VW";
    private static readonly DateTimeOffset Day1 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(Day1.AddHours(1));
        using var integration = FreshClient(host, Roles.Integration);
        using var physician = FreshClient(host, Roles.Physician, Unit);
        await AdmitAsync(integration, "p-home", Unit);
        await AdmitAsync(integration, "p-ward", Unit);
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p-home", Day1, Day1.AddHours(1)))));
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab("p-ward", Day1, Day1.AddHours(1)))));
        await Ok(await physician.PostAsync("/api/patients/p-home/setting", ServiceHost.Json("""{"setting":"home","reason":"hospital at home"}""")));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [TestCase(Roles.Nurse, Unit, HttpStatusCode.OK)]
    [TestCase(Roles.Physician, Unit, HttpStatusCode.OK)]
    [TestCase(Roles.Nurse, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Physician, "5E", HttpStatusCode.Forbidden)]
    [TestCase(Roles.Admin, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Integration, Unit, HttpStatusCode.Forbidden)]
    [TestCase(Roles.Researcher, Unit, HttpStatusCode.Forbidden)]
    public async Task VirtualWard_EveryRole_OwnUnitAndAnother(string role, string unit, HttpStatusCode expected)
    {
        using var client = host.ClientFor(role, unit);
        using var response = await client.GetAsync($"/api/units/{Unit}/virtual-ward");
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), body);
        if (expected != HttpStatusCode.OK)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), "every refusal says why");
                Assert.That(body, Does.Not.Contain("p-home"), "nothing of the ward in a refusal");
            }

            return;
        }

        var ward = JsonNode.Parse(body)!;
        var row = ward["patients"]!.AsArray().Single()!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(row["patientId"]!.GetValue<string>(), Is.EqualTo("p-home"), "the inpatient with no device is on the census only");
            Assert.That(row["setting"]!.GetValue<string>(), Is.EqualTo("home"));
            Assert.That(row["signals"]!.AsArray().Select(s => $"{s!["signal"]}:{s["stream"]}"),
                Is.EqualTo(new[] { "temperature:not-enrolled", "heart-rate:not-enrolled", "respiratory-rate:not-enrolled", "spo2:not-enrolled", "blood-pressure:not-enrolled" }));
        }
    }

    [Test]
    public async Task VirtualWard_EachRequestIsAudited_AnotherUnitsAsDenied()
    {
        using var nurse = host.ClientFor(Roles.Nurse, Unit);
        using var other = host.ClientFor(Roles.Nurse, "5E");
        using var allowed = await nurse.GetAsync($"/api/units/{Unit}/virtual-ward");
        using var denied = await other.GetAsync($"/api/units/{Unit}/virtual-ward");
        Assert.That((allowed.StatusCode, denied.StatusCode), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.Forbidden)));
        Assert.That(await RowOfAsync(allowed), Is.EqualTo(("unit.virtual-ward", "Location", Unit, "success")));
        Assert.That(await RowOfAsync(denied), Is.EqualTo(("unit.virtual-ward", "Location", Unit, "denied")));
    }

    /// <summary>The request's audit row (by its correlation id), waiting for it: it is written as the request ends.</summary>
    private async Task<(string, string?, string?, string)> RowOfAsync(HttpResponseMessage response)
    {
        IReadOnlyList<AuditEntry> rows = [];
        await WaitUntilAsync(async () => (rows = await RowsOfAsync(host, response)).Count > 0, () => "the request's audit row");
        var row = rows.Single();
        return (row.Action, row.ResourceType, row.ResourceId, row.Outcome);
    }
}
