using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Ingest;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Corrections are versions (issue 13): an EHR that resends an Observation under the same identifier with other
/// content (an amended value, or <c>entered-in-error</c>) writes that Observation's next version, re-grades the patient
/// from the earliest affected instant and withdraws an alert whose finding is gone; the same content stays a no-op.
/// Conditional update (<c>PUT [type]?identifier=</c>), <c>If-Match</c> and the URL id against the body id. On each provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class CorrectionsTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(T(10));
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task AnAmendedValueUnderTheSameIdentifier_IsVersion2_AndReplacesTheReading()
    {
        await AdmitAsync(integration, "p-amend", "7W");
        var first = await integration.PostAsync("/fhir/Observation", Body(Temperature("p-amend", 38.6m, "Cel", T(9), "amend-1")));
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        Assert.That(await CrsGradeAsync("p-amend"), Is.EqualTo(1), "CRS-FEVER: 38.6 °C");

        var amended = await integration.PostAsync("/fhir/Observation", Body(Temperature("p-amend", 37.1m, "Cel", T(9), "amend-1")));
        var body = JsonNode.Parse(await Ok(amended))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(amended.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a new version of an existing resource, not a new resource");
            Assert.That(FhirAssert.LocationPath(amended), Is.EqualTo($"/fhir/Observation/{FhirAssert.IdOf(first)}/_history/2"));
            Assert.That(body["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo("2"));
            Assert.That(body["valueQuantity"]!["value"]!.GetValue<decimal>(), Is.EqualTo(37.1m));
        }

        Assert.That(await CrsGradeAsync("p-amend"), Is.EqualTo(0), "CRS-GATE: the amended 37.1 °C replaced the fever");
        var audit = await AuditDetailsAsync(amended);
        Assert.That(audit, Has.Some.StartsWith("a correction"), "the correction is audited as one");

        var again = await integration.PostAsync("/fhir/Observation", Body(Temperature("p-amend", 37.1m, "Cel", T(9), "amend-1")));
        Assert.That(JsonNode.Parse(await Ok(again))!["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo("2"), "the same content again writes nothing");
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ARetractedFever_RegradesTo0_AndItsAlertIsWithdrawn()
    {
        await AdmitAsync(integration, "p-retract", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-retract", 36.8m, "Cel", T(9), "retract-0"))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-retract", 38.9m, "Cel", T(9.5), "retract-1"))));
        var raised = await AlertsAsync("p-retract");
        Assert.That(raised.Select(a => (a["condition"]!.GetValue<string>(), a["state"]!.GetValue<string>())), Is.EqualTo(new[] { ("crs", "raised") }));

        var retraction = Temperature("p-retract", 38.9m, "Cel", T(9.5), "retract-1").Replace("\"status\":\"final\"", "\"status\":\"entered-in-error\"", StringComparison.Ordinal);
        var retracted = await integration.PostAsync("/fhir/Observation", Body(retraction));
        Assert.That(JsonNode.Parse(await Ok(retracted))!["status"]!.GetValue<string>(), Is.EqualTo("entered-in-error"));

        Assert.That(await CrsGradeAsync("p-retract"), Is.EqualTo(0), "CRS-GATE: the 36.8 °C before it is the last temperature; no fever remains");
        var alert = (await AlertsAsync("p-retract")).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(alert["state"]!.GetValue<string>(), Is.EqualTo("resolved"));
            Assert.That(alert["actions"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()), Is.EqualTo(new[] { "raised", "resolved" }));
            Assert.That(alert["actions"]!.AsArray().Last()!["note"]!.GetValue<string>(), Does.StartWith("withdrawn"));
        }
    }

    [Test]
    public async Task AFeverThatFallsLater_KeepsItsAlertOpen()
    {
        // Not a retraction: the episode happened. Only a clinician resolves its alert (the alert keeps its worst grade).
        await AdmitAsync(integration, "p-falls", "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-falls", 38.9m, "Cel", T(9.2), "falls-1"))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-falls", 36.9m, "Cel", T(9.8), "falls-2"))));
        Assert.That((await AlertsAsync("p-falls")).Single()["state"]!.GetValue<string>(), Is.EqualTo("raised"));
    }

    [Test]
    public async Task TheThreeHl7BloodPressureExamples_AreThreeVersionsOfOneObservation()
    {
        // The specification's measurement, its data-absent version and its cancellation share one identifier.
        await AdmitAsync(integration, SharedFhirExamples.R4VitalSignSubject, "7W");
        var answers = new List<HttpResponseMessage>();
        foreach (var name in new[] { "observation-example-bloodpressure", "observation-example-bloodpressure-dar", "observation-example-bloodpressure-cancel" })
        {
            answers.Add(await integration.PostAsync("/fhir/Observation", Body(SharedFhirExamples.R4VitalSign(name + ".json"))));
        }

        var ids = answers.Select(FhirAssert.IdOf).Distinct().ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(answers.Select(a => a.StatusCode), Is.EqualTo(new[] { HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK }));
            Assert.That(ids, Has.Count.EqualTo(1));
            Assert.That(answers.Select(FhirAssert.LocationPath), Is.EqualTo(new[] { 1, 2, 3 }.Select(v => $"/fhir/Observation/{ids[0]}/_history/{v}")));
        }

        var current = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation/{ids[0]}")))!;
        var first = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation/{ids[0]}/_history/1")))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(current["status"]!.GetValue<string>(), Is.EqualTo("cancelled"));
            Assert.That(first["status"]!.GetValue<string>(), Is.EqualTo("final"), "every version is kept (vread)");
        }
    }

    [Test]
    public async Task ConditionalUpdate_CreatesWithoutAMatch_UpdatesTheMatch_AndRefusesAnotherIdInTheBody()
    {
        await AdmitAsync(integration, "p-cu", "7W");
        const string Url = "/fhir/Observation?identifier=urn%3Aehr%3Aobs%7Ccu-1";
        var created = await integration.PutAsync(Url, Body(Temperature("p-cu", 37.2m, "Cel", T(9), "cu-1")));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        var id = FhirAssert.IdOf(created);

        var updated = await integration.PutAsync(Url, Body(Temperature("p-cu", 38.3m, "Cel", T(9), "cu-1")));
        Assert.That(FhirAssert.LocationPath(updated), Is.EqualTo($"/fhir/Observation/{id}/_history/2"), await updated.Content.ReadAsStringAsync());
        Assert.That(await CrsGradeAsync("p-cu"), Is.EqualTo(1), "CRS-FEVER: the updated value is graded");

        var otherId = JsonNode.Parse(Temperature("p-cu", 38.4m, "Cel", T(9), "cu-1"))!;
        otherId["id"] = "someone-else";
        var outcome = await FhirAssert.OutcomeAsync(await integration.PutAsync(Url, Body(otherId.ToJsonString())), 400);
        Assert.That(outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Observation.id" }));

        var unsupported = await FhirAssert.OutcomeAsync(await integration.PutAsync("/fhir/Observation?code=8310-5", Body(Temperature("p-cu", 37m, "Cel", T(9)))), 400);
        Assert.That(unsupported.Issue.Single().Diagnostics, Does.Contain("identifier=system|value"));
    }

    [Test]
    public async Task IfMatch_OnAStaleVersion_Is412_AndNothingIsWritten()
    {
        await AdmitAsync(integration, "p-if", "7W");
        var id = FhirAssert.IdOf(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-if", 37.0m, "Cel", T(9), "if-1"))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-if", 37.5m, "Cel", T(9), "if-1")))); // version 2

        var stale = await PutAsync($"/fhir/Observation/{id}", Temperature("p-if", 38.8m, "Cel", T(9), "if-1"), "W/\"1\"");
        var outcome = await FhirAssert.OutcomeAsync(stale, 412);
        Assert.That(outcome.Issue.Single().Expression, Is.EqualTo(new[] { "If-Match" }));
        Assert.That(outcome.Issue.Single().Diagnostics, Does.Contain("version 2, not 1"));
        Assert.That(await CrsGradeAsync("p-if"), Is.EqualTo(0), "the refused 38.8 °C was not stored");

        var current = await PutAsync($"/fhir/Observation/{id}", Temperature("p-if", 38.8m, "Cel", T(9), "if-1"), "W/\"2\"");
        Assert.That(FhirAssert.LocationPath(current), Is.EqualTo($"/fhir/Observation/{id}/_history/3"));
        await FhirAssert.OutcomeAsync(await PutAsync($"/fhir/Observation/{id}", Temperature("p-if", 38.8m, "Cel", T(9), "if-1"), "3"), 400);
        await FhirAssert.OutcomeAsync(await PutAsync("/fhir/Observation/never-stored", Temperature("p-if", 38.8m, "Cel", T(9), "if-2"), "W/\"1\""), 412);
    }

    [Test]
    public async Task Update_WhoseBodyIdIsNotTheUrls_Is400NamingTheId()
    {
        await AdmitAsync(integration, "p-id", "7W");
        var json = JsonNode.Parse(Temperature("p-id", 37m, "Cel", T(9), "id-1"))!;
        json["id"] = "in-the-body";
        var outcome = await FhirAssert.OutcomeAsync(await integration.PutAsync("/fhir/Observation/in-the-url", Body(json.ToJsonString())), 400);
        Assert.That(outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Observation.id" }));
        Assert.That((await nurse.GetAsync("/fhir/Observation/in-the-url")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Transaction_WithAStaleIfMatch_Is412_AndStoresNothing()
    {
        await AdmitAsync(integration, "p-tx", "7W");
        var id = FhirAssert.IdOf(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-tx", 37.0m, "Cel", T(9), "tx-1"))));
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Temperature("p-tx", 38.1m, "Cel", T(9.5), "tx-2")}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{Temperature("p-tx", 38.7m, "Cel", T(9), "tx-1")}}},"request":{"method":"PUT","url":"Observation?identifier=urn:ehr:obs|tx-1","ifMatch":"W/\"4\""}}]}
            """;
        var outcome = await FhirAssert.OutcomeAsync(await integration.PostAsync("/fhir", Body(bundle)), 412);
        Assert.That(outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Bundle.entry[1].request.ifMatch" }));
        Assert.That(await CrsGradeAsync("p-tx"), Is.EqualTo(0), "all or nothing: the first entry's fever was not stored either");

        var current = bundle.Replace("W/\\\"4\\\"", "W/\\\"1\\\"", StringComparison.Ordinal);
        var response = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(current))))!;
        Assert.That(response["entry"]![1]!["response"]!["location"]!.GetValue<string>(), Is.EqualTo($"Observation/{id}/_history/2"));
    }

    private async Task<HttpResponseMessage> PutAsync(string url, string json, string ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = Body(json) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await integration.SendAsync(request);
    }

    private async Task<int?> CrsGradeAsync(string patient)
    {
        var status = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{patient}/status")))!;
        return status["crs"]!["grade"]?.GetValue<int>();
    }

    private async Task<IReadOnlyList<JsonNode>> AlertsAsync(string patient) =>
        [.. JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{patient}/alerts")))!["alerts"]!.AsArray().Select(a => a!)];

    private async Task<IReadOnlyList<string?>> AuditDetailsAsync(HttpResponseMessage response)
    {
        var correlationId = response.Headers.GetValues(CrsMonitor.Service.Identity.AuditMiddleware.CorrelationHeader).Single();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId).Select(r => r.Detail)];
    }
}
