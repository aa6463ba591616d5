using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.SiteView;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Research.SiteView;

/// <summary>
/// <c>GET /api/research/incidence</c> over HTTP on SQLite and PostgreSQL, after three tarlatamab courses posted through
/// FHIR (MedicationAdministrations for C1D1 and C1D8; temperatures and neuro checks whose grades make the episodes):
/// the curves physicians and researchers see, that the answer holds nothing that identifies a patient, who is refused,
/// the 400s naming the parameter, and the audit row of every request.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed partial class SiteViewEndpointTests(StorageProvider provider)
{
    /// <summary>C1D1 of the first patient; the others start 2 and 4 hours later.</summary>
    private static readonly DateTimeOffset Day1 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    /// <summary>"Now" for the whole fixture: 10 days (240 h) after the first C1D1, set before the host starts.</summary>
    private static readonly DateTimeOffset Now = Day1.AddHours(240);

    private static readonly string[] Patients = ["sv-fever14", "sv-fever20", "sv-later"];

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public async Task PostCoursesAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(Now);
        using var integration = host.ClientFor(Roles.Integration);
        foreach (var patient in Patients)
        {
            await AdmitAsync(integration, patient, Unit);
        }

        // sv-fever14: C1D1 at 0 h, 38.6 °C 14 h after the infusion start (CRS onset), no ICANS; no C1D8 yet.
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("sv-fever14", Day1, Day1.AddHours(1)));
        await PostAsync(integration, "Observation", Temperature("sv-fever14", 36.9m, "Cel", Day1.AddHours(10)));
        await PostAsync(integration, "Observation", Temperature("sv-fever14", 38.6m, "Cel", Day1.AddHours(14)));

        // sv-fever20: C1D1 2 h later; fever 20 h after its start, ICE 7 (ICANS) 30 h after it.
        var start2 = Day1.AddHours(2);
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("sv-fever20", start2, start2.AddHours(1)));
        await PostAsync(integration, "Observation", Temperature("sv-fever20", 38.2m, "Cel", start2.AddHours(20)));
        await PostAsync(integration, "QuestionnaireResponse", NeuroCheck("sv-fever20", start2.AddHours(30), namingCount: 1, writes: false));

        // sv-later: C1D1 4 h later, nothing after it; C1D8 a week later, with a fever 3 h after C1D8 (not C1D1's).
        var start3 = Day1.AddHours(4);
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("sv-later", start3, start3.AddHours(1)));
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("sv-later", start3.AddHours(168), start3.AddHours(169)));
        await PostAsync(integration, "Observation", Temperature("sv-later", 38.4m, "Cel", start3.AddHours(171)));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private static async Task PostAsync(HttpClient integration, string type, string json) =>
        await Ok(await integration.PostAsync($"/fhir/{type}", Body(json)));

    private async Task<(HttpStatusCode Status, JsonNode? Json, string Text)> GetAsync(string role, string query = "", params string[] units)
    {
        using var client = host.ClientFor(role, units);
        using var response = await client.GetAsync($"{SiteViewEndpoints.Path}{query}");
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text) : null, text);
    }

    private static JsonNode TarlatamabOf(JsonNode answer) =>
        answer["drugs"]!.AsArray().Single(d => d!["drug"]!.GetValue<string>() == "tarlatamab")!;

    [Test]
    public async Task APhysician_SeesTheSiteCurves_OfStepUpDose1_BesideTheLabelMedianOnset()
    {
        var (status, answer, text) = await GetAsync(Roles.Physician, units: Unit);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(answer!["generatedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Now));
        Assert.That(answer["horizonHours"]!.GetValue<int>(), Is.EqualTo(360));
        var drug = TarlatamabOf(answer);
        Assert.That(drug["protocolId"]!.GetValue<string>(), Is.EqualTo("tarlatamab-us-2025-11"));
        var crsLabel = drug["labelMedianOnset"]!["crs"]!;
        Assert.That((crsLabel["fromHours"]!.GetValue<decimal>(), crsLabel["toHours"]!.GetValue<decimal>(), crsLabel["anchor"]!.GetValue<string>()),
            Is.EqualTo((13m, 16m, "start")));
        Assert.That(crsLabel["source"]!.GetValue<string>(), Does.Contain("13 to 16 hours"));
        Assert.That(drug["labelMedianOnset"]!["icans"], Is.Null);

        // C1D8 has no step-up index: only step-up dose 1 (C1D1) has a curve.
        var dose = drug["doses"]!.AsArray().Single()!;
        Assert.That((dose["stepUpIndex"]!.GetValue<int>(), dose["label"]!.GetValue<string>(), dose["n"]!.GetValue<int>()),
            Is.EqualTo((1, "step-up dose 1 (C1 D1, 1 mg)", 3)));

        // CRS: onsets at 14 h and 20 h; sv-later censored at its C1D8 (168 h). KM: 1/3 at 14 h, 2/3 at 20 h.
        var crs = dose["scales"]!["crs"]!;
        Assert.That((crs["events"]!.GetValue<int>(), crs["censored"]!.GetValue<int>(), crs["medianOnsetHours"]!.GetValue<decimal>(), crs["followUpHours"]!.GetValue<decimal>()),
            Is.EqualTo((2, 1, 17m, 168m)));
        Assert.That(Curve(crs), Is.EqualTo(new[] { (0m, 0m), (14m, 0.3333m), (20m, 0.6667m) }));

        // ICANS: sv-fever20 at 30 h; sv-fever14 followed to now (240 h), sv-later to its C1D8 (168 h). KM: 1/3 at 30 h.
        var icans = dose["scales"]!["icans"]!;
        Assert.That((icans["events"]!.GetValue<int>(), icans["censored"]!.GetValue<int>(), icans["medianOnsetHours"]!.GetValue<decimal>(), icans["followUpHours"]!.GetValue<decimal>()),
            Is.EqualTo((1, 2, 30m, 240m)));
        Assert.That(Curve(icans), Is.EqualTo(new[] { (0m, 0m), (30m, 0.3333m) }));

        // Drugs without doses are listed with their step-up doses and empty curves.
        var teclistamab = answer["drugs"]!.AsArray().Single(d => d!["drug"]!.GetValue<string>() == "teclistamab")!;
        Assert.That(teclistamab["doses"]!.AsArray().Select(d => d!["n"]!.GetValue<int>()), Is.EqualTo(new[] { 0, 0 }));
        Assert.That(teclistamab["doses"]![0]!["scales"]!["crs"]!["medianOnsetHours"], Is.Null);
        Assert.That(teclistamab["labelMedianOnset"]!["crs"], Is.Null);
    }

    private static (decimal Hours, decimal Incidence)[] Curve(JsonNode scale) =>
        [.. scale["curve"]!.AsArray().Select(p => (p!["hours"]!.GetValue<decimal>(), p["incidence"]!.GetValue<decimal>()))];

    [Test]
    public async Task AResearcher_WithoutAUnit_SeesTheSameAnswer()
    {
        var (status, answer, text) = await GetAsync(Roles.Researcher);
        var physician = await GetAsync(Roles.Physician, units: Unit);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(answer!.ToJsonString(), Is.EqualTo(physician.Json!.ToJsonString()));
    }

    [Test]
    public async Task TheAnswer_HoldsNoPatientIdNoNameNoIdentifierAndNoInstantButItsOwn()
    {
        var (_, answer, text) = await GetAsync(Roles.Researcher);
        foreach (var patient in Patients)
        {
            Assert.That(text, Does.Not.Contain(patient).IgnoreCase);
        }

        Assert.That(text, Does.Not.Contain("MRN").And.Not.Contain("urn:mrn").And.Not.Contain("Test").And.Not.Contain("7W"));
        Assert.That(Instant().Matches(text).Select(m => m.Value), Is.EqualTo(new[] { answer!["generatedAt"]!.GetValue<string>()[..19] }),
            "the only date in the answer is when it was generated: no dose, reading or episode time");
        Assert.That(Keys(answer).Distinct().Order(StringComparer.Ordinal), Is.EqualTo(new[]
        {
            "anchor", "censored", "crs", "curve", "doses", "drug", "drugs", "events", "followUpHours", "fromHours", "generatedAt", "horizonHours",
            "hours", "icans", "incidence", "label", "labelMedianOnset", "medianOnsetHours", "n", "protocolId", "scales", "source", "stepUpIndex", "toHours",
        }), "every field of the answer is an aggregate or protocol text");
    }

    private static IEnumerable<string> Keys(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Keys(p.Value).Prepend(p.Key)),
        JsonArray a => a.SelectMany(Keys),
        _ => [],
    };

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")]
    private static partial Regex Instant();

    [TestCase(Roles.Nurse)]
    [TestCase(Roles.Admin)]
    [TestCase(Roles.Integration)]
    public async Task NursesAdministratorsAndIntegrationClients_Get403(string role)
    {
        using var client = host.ClientFor(role, Unit);
        using var response = await client.GetAsync(SiteViewEndpoints.Path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), "a refusal says why");
        Assert.That(text, Does.Not.Contain("tarlatamab"));
    }

    /// <summary>The site view is site-wide and aggregate: a physician of another unit, or of none, gets the same answer.</summary>
    [Test]
    public async Task APhysicianOfAnotherUnitOrNone_GetsTheSameSiteWideAnswer()
    {
        var (ownStatus, own, _) = await GetAsync(Roles.Physician, units: Unit);
        var (otherStatus, other, _) = await GetAsync(Roles.Physician, units: "5E");
        var (noneStatus, none, _) = await GetAsync(Roles.Physician);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((ownStatus, otherStatus, noneStatus), Is.EqualTo((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK)));
            Assert.That(other!["drugs"]!.ToJsonString(), Is.EqualTo(own!["drugs"]!.ToJsonString()));
            Assert.That(none!["drugs"]!.ToJsonString(), Is.EqualTo(own["drugs"]!.ToJsonString()));
        }
    }

    [Test]
    public async Task WithoutAToken_401()
    {
        using var client = host.CreateClient();
        using var response = await client.GetAsync(SiteViewEndpoints.Path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task DrugParameter_NarrowsTheAnswerToThatDrug()
    {
        var (status, answer, text) = await GetAsync(Roles.Researcher, "?drug=tarlatamab");
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(answer!["drugs"]!.AsArray().Select(d => d!["drug"]!.GetValue<string>()), Is.EqualTo(new[] { "tarlatamab" }));
        Assert.That(TarlatamabOf(answer)["doses"]![0]!["n"]!.GetValue<int>(), Is.EqualTo(3));
    }

    [TestCase("?drug=aspirin", "drug", "'aspirin' is not a drug with a protocol file here (elranatamab, epcoritamab, glofitamab, tarlatamab, teclistamab)")]
    [TestCase("?drug=tarlatamab&drug=teclistamab", "drug", "is given more than once")]
    [TestCase("?drug=", "drug", "is empty")]
    [TestCase("?drug=Tarlatamab", "drug", "'Tarlatamab' is not a drug")]
    [TestCase("?patient=sv-later", "patient", "is not a parameter")]
    public async Task BadQuery_Is400_NamingTheParameter(string query, string field, string words)
    {
        var (status, answer, text) = await GetAsync(Roles.Physician, query, Unit);
        Assert.That(status, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(answer!["errors"]!.AsObject().Select(e => e.Key), Is.EqualTo(new[] { field }));
        Assert.That(answer["errors"]![field]![0]!.GetValue<string>(), Does.Contain(words));
    }

    [Test]
    public async Task EveryRequest_IsAudited_WithoutAPatient_ARefusalToo()
    {
        var before = (await AuditRowsAsync(host, SiteViewEndpoints.AuditAction, 0)).Count;
        await GetAsync(Roles.Researcher, "?drug=tarlatamab");
        var row = (await AuditRowsAsync(host, SiteViewEndpoints.AuditAction, before + 1))[0];
        Assert.That((row.Role, row.Outcome, row.PatientId, row.ResourceType, row.Detail), Is.EqualTo(("researcher", "success", (string?)null, "SiteView", "drug=tarlatamab")));

        // Refused by the role policy before the endpoint runs: the row names the route instead of the action.
        await GetAsync(Roles.Nurse, units: Unit);
        IReadOnlyList<AuditEntry> denied = [];
        await WaitUntilAsync(async () =>
        {
            await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
            denied = [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None))
                .Where(r => r.Role == "nurse" && r.Action.Contains(SiteViewEndpoints.Path, StringComparison.Ordinal))];
            return denied.Count > 0;
        }, () => "the nurse's refused request in the audit");
        Assert.That(denied.Select(r => (r.Outcome, r.PatientId)), Has.All.EqualTo(("denied", (string?)null)));
    }
}
