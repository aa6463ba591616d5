using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirAssert;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// No input is a 5xx (issue 10): text a provider cannot store (U+0000 above all: PostgreSQL text cannot hold it, and
/// its error used to be answered "database unavailable, retry" forever) and times outside the supported range are
/// refused before any database work, naming the element, with the same answer on every provider; the service stays
/// healthy and a rejected body holding a NUL is still kept for the interface team.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class UnstorableInputTests(StorageProvider provider)
{
    private const string Patient = "p-hostile";
    private const string Feed = "feed-hostile";

    private static readonly DateTimeOffset At = ServiceHost.Start.AddHours(-1);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientWith(host.Token("--role", "integration", "--sub", Feed));
        nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, Patient, "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [TearDown]
    public async Task ServiceStaysHealthyAndWritable()
    {
        using var anonymous = host.ClientWith(null);
        Assert.That((await anonymous.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(Patient, 37.0m, "Cel", At.AddMinutes(1)))));
    }

    [TestCase("a\\u0000b")]
    [TestCase("\\u0000")]
    [TestCase("bell\\u0007")]
    public async Task ControlCharacterInAnIdentifier_Is400NamingIt_AndNothingIsStored(string escaped)
    {
        var response = await integration.PostAsync("/fhir/Observation", Body(Temperature(Patient, 38.9m, "Cel", At.AddMinutes(2), escaped)));
        var outcome = await OutcomeAsync(response, 400);
        Assert.That(Expressions(outcome), Is.EqualTo(new[] { "Observation.identifier[0].value" }));
        Assert.That(await StoredObservationsWithValueAsync("38.9"), Is.Zero);
    }

    [Test]
    public async Task NulInNoteTextAndInAnExtension_Is400NamingEach()
    {
        var json = JsonNode.Parse(Temperature(Patient, 38.8m, "Cel", At.AddMinutes(3)))!.AsObject();
        json["note"] = new JsonArray(new JsonObject { ["text"] = "ok" }, new JsonObject { ["text"] = "x\u0000y" });
        json["extension"] = new JsonArray(new JsonObject { ["url"] = "urn:x", ["valueString"] = "\u0000" });
        var outcome = await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Body(json.ToJsonString())), 400);
        Assert.That(Expressions(outcome), Is.EquivalentTo(new[] { "Observation.note[1].text", "Observation.extension[0].valueString" }));
    }

    [Test]
    public async Task NulInABundleEntry_Is400NamingTheEntry()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{{{Temperature(Patient, 38.7m, "Cel", At.AddMinutes(4), "tx\\u0000")}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var outcome = await OutcomeAsync(await integration.PostAsync("/fhir", Body(bundle)), 400);
        Assert.That(Expressions(outcome), Is.EqualTo(new[] { "Bundle.entry[0].resource.identifier[0].value" }));
    }

    [TestCase("identifier=urn:ehr:obs|a%00b")]
    [TestCase("identifier=urn:ehr:obs%00|a")]
    [TestCase("identifier=a%01")]
    public async Task ControlCharacterInIfNoneExist_Is400NamingTheHeader(string condition)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(Temperature(Patient, 38.6m, "Cel", At.AddMinutes(5))) };
        request.Headers.Add("If-None-Exist", condition);
        var outcome = await OutcomeAsync(await integration.SendAsync(request), 400);
        Assert.That(Expressions(outcome), Is.EqualTo(new[] { "If-None-Exist" }));
    }

    [Test]
    public async Task RawNulByteInTheBody_Is400_AndTheBodyIsKeptWithTheNulReplaced()
    {
        var text = Temperature(Patient, 38.5m, "Cel", At.AddMinutes(6), "raw-nul-marker").Replace("raw-nul-marker", "raw\0nul", StringComparison.Ordinal);
        await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Body(text)), 400);
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var kept = (await RejectedPayloadStore.RecentAsync(connection, 1000, CancellationToken.None)).Select(k => k.Payload)
            .Where(p => p.ClientId == Feed && p.Body.Contains("nul", StringComparison.Ordinal)).ToList();
        Assert.That(kept.Select(p => p.Body), Has.Some.Contains("raw\uFFFDnul"));
    }

    // Before year 1 or after 9999 once in UTC: not a FHIR dateTime the parser can read at all (400 naming it).
    [TestCase("0001-01-01T00:00:00+01:00", 400)]
    [TestCase("9999-12-31T23:59:59-01:00", 400)]
    [TestCase("0001-01-02T00:00:00Z", 422)]
    [TestCase("9999-12-31T23:59:59Z", 422)]
    [TestCase("1899-12-31T23:59:59Z", 422)]
    [TestCase("2200-01-01T00:00:00Z", 422)]
    public async Task EffectiveOutsideTheSupportedRange_Is4xxNamingIt(string at, int status)
    {
        var json = Temperature(Patient, 38.4m, "Cel", At).Replace(Iso(At), at, StringComparison.Ordinal);
        var outcome = await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Body(json)), status);
        Assert.That(Expressions(outcome), Has.Member("Observation.effectiveDateTime"));
    }

    [TestCase("0001-01-01T00:00:00Z")]
    [TestCase("9999-12-31T23:59:59Z")]
    public async Task BirthDateAndIssuedOutsideTheRange_Are422NamingThem(string at)
    {
        var patient = Patient("p-old").Replace("1960-05-01", at[..10], StringComparison.Ordinal);
        var observation = JsonNode.Parse(Temperature(Patient, 38.4m, "Cel", At))!.AsObject();
        observation["issued"] = at;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Expressions(await OutcomeAsync(await integration.PutAsync("/fhir/Patient/p-old", Body(patient)), 422)), Has.Member("Patient.birthDate"));
            Assert.That(Expressions(await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Body(observation.ToJsonString())), 422)),
                Has.Member("Observation.issued"));
        }
    }

    [TestCase("date=9999-12-31")]
    [TestCase("date=ge0001-01-01")]
    [TestCase("date=lt9999-12-31T23:59:59Z")]
    public async Task SearchDateOutsideTheRange_Is400NamingTheParameter(string filter)
    {
        var outcome = await OutcomeAsync(await nurse.GetAsync($"/fhir/Observation?patient={Patient}&{filter}"), 400);
        Assert.That(Expressions(outcome), Is.EqualTo(new[] { "date" }));
    }

    [TestCase("""{"minHours":1,"maxHours":2,"reason":"x\u0000y"}""", "reason")]
    [TestCase("""{"minHours":1,"maxHours":2,"reason":"\u0001"}""", "reason")]
    [TestCase("""{"minHours":1,"maxHours":2,"reason":"ok","opensAt":"0001-01-02T00:00:00Z"}""", "opensAt")]
    [TestCase("""{"minHours":1,"maxHours":2,"reason":"ok","opensAt":"9999-12-31T23:59:59-01:00"}""", "opensAt")]
    public async Task ClinicianMonitoringWindow_UnstorableReasonOrTimeOutOfRange_Is400NamingTheField(string body, string field)
    {
        var response = await nurse.PostAsync($"/api/patients/{Patient}/windows", ServiceHost.Json(body));
        await AssertValidationErrorAsync(response, field);
    }

    [Test]
    public async Task AlertAcknowledgeNoteWithNul_Is400NamingTheNote()
    {
        var response = await nurse.PostAsync("/api/alerts/1/acknowledge", ServiceHost.Json("""{"note":"seen\u0000"}"""));
        await AssertValidationErrorAsync(response, "note");
    }

    [Test]
    public async Task CalculatorTimeOutOfRange_Is400NamingTheField()
    {
        var body = """{"crs":{"assessedAt":"0001-01-01T00:00:00Z","temperature":{"value":38.4,"unit":"Cel"}}}""";
        var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(body));
        await AssertValidationErrorAsync(response, "crs.assessedAt");
    }

    private static async Task AssertValidationErrorAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Has.Member(field), text);
    }

    private async Task<int> StoredObservationsWithValueAsync(string value)
    {
        var bundle = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient={Patient}")))!;
        return bundle["entry"]?.AsArray().Count(e => e!["resource"]!["valueQuantity"]?["value"]?.ToJsonString() == value) ?? 0;
    }
}
