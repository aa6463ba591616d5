using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>The FHIR endpoint over HTTP, per interaction, on each storage provider.</summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class FhirEndpointTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse7W = null!;
    private HttpClient nurse5E = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
        nurse7W = host.ClientFor("nurse", "7W");
        nurse5E = host.ClientFor("nurse", "5E");
        await AdmitAsync(integration, "p1", "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse7W.Dispose();
        nurse5E.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Metadata_IsAnonymous_AndListsExactlyTheSupportedTypes()
    {
        using var anonymous = host.ClientWith(null);
        var response = await anonymous.GetAsync("/fhir/metadata");
        var statement = JsonNode.Parse(await Ok(response))!;
        var types = statement["rest"]![0]!["resource"]!.AsArray().Select(r => r!["type"]!.GetValue<string>()).ToList();
        Assert.That(types, Is.EquivalentTo(new[] { "Patient", "Location", "Encounter", "Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse" }));
        Assert.That(statement["fhirVersion"]!.GetValue<string>(), Is.EqualTo("4.0.1"));
    }

    [Test]
    public async Task Create_Observation_Is201WithLocationAndVersion_AndReadableByTheUnitsNurse()
    {
        var response = await integration.PostAsync("/fhir/Observation", Body(Temperature("p1", 37.2m, "Cel", T(1))));
        var created = JsonNode.Parse(await Ok(response))!;
        var id = created["id"]!.GetValue<string>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(FhirAssert.LocationPath(response), Is.EqualTo($"/fhir/Observation/{id}/_history/1"));
            Assert.That(response.Headers.ETag!.Tag, Is.EqualTo("\"1\""));
            Assert.That(created["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo("1"));
        }

        var read = await nurse7W.GetAsync($"/fhir/Observation/{id}");
        Assert.That(JsonNode.Parse(await Ok(read))!["valueQuantity"]!["value"]!.GetValue<decimal>(), Is.EqualTo(37.2m));
    }

    [Test]
    public async Task Read_OtherUnitsNurse_Is403OperationOutcome_AndIntegrationCannotRead()
    {
        var id = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p1", 37.0m, "Cel", T(2))))))!["id"]!.GetValue<string>();
        var other = await nurse5E.GetAsync($"/fhir/Observation/{id}");
        var byIntegration = await integration.GetAsync($"/fhir/Observation/{id}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(JsonNode.Parse(await other.Content.ReadAsStringAsync())!["resourceType"]!.GetValue<string>(), Is.EqualTo("OperationOutcome"));
            Assert.That(byIntegration.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }
    }

    [Test]
    public async Task Update_SameContentIsUnchanged_NewContentIsVersion2()
    {
        var body = Temperature("p1", 37.1m, "Cel", T(3));
        var first = await integration.PutAsync("/fhir/Observation/obs-put-1", Body(body));
        var again = await integration.PutAsync("/fhir/Observation/obs-put-1", Body(body));
        var changed = await integration.PutAsync("/fhir/Observation/obs-put-1", Body(Temperature("p1", 37.3m, "Cel", T(3))));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(again.Headers.ETag!.Tag, Is.EqualTo("\"1\""));
            Assert.That(changed.Headers.ETag!.Tag, Is.EqualTo("\"2\""));
        }

        var v1 = JsonNode.Parse(await Ok(await nurse7W.GetAsync("/fhir/Observation/obs-put-1/_history/1")))!;
        Assert.That(v1["valueQuantity"]!["value"]!.GetValue<decimal>(), Is.EqualTo(37.1m));
    }

    [Test]
    public async Task ConditionalCreate_Match_Is200NamingTheSameResource_WithoutItsBodyForIntegration()
    {
        using var first = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(Temperature("p1", 37.4m, "Cel", T(4), "cc-1")) };
        first.Headers.Add("If-None-Exist", "identifier=urn:ehr:obs|cc-1");
        // Other content under the identifier: a conditional create writes nothing and answers what holds it.
        using var second = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(Temperature("p1", 37.5m, "Cel", T(4), "cc-1")) };
        second.Headers.Add("If-None-Exist", "identifier=urn:ehr:obs|cc-1");
        var a = await integration.SendAsync(first);
        var b = await integration.SendAsync(second);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(b.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(b.Headers.Location, Is.EqualTo(a.Headers.Location));
            Assert.That(await b.Content.ReadAsStringAsync(), Is.Empty,
                "a conditional create's match may hold another's content: an integration token is told its id and version (Location), never its body");
            Assert.That(b.Headers.GetValues("Warning").Single(), Does.Contain("nothing was written"));
        }
    }

    [Test]
    public async Task ThirtyTwoIdenticalCreatesInParallel_OneRecord_Others200()
    {
        var body = Temperature("p1", 38.1m, "Cel", T(5), "race-32");
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => integration.PostAsync("/fhir/Observation", Body(body))));
        var ids = new HashSet<string>();
        foreach (var r in responses)
        {
            await Ok(r);
            ids.Add(FhirAssert.LocationPath(r));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(1));
            Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.EqualTo(31));
            Assert.That(ids, Has.Count.EqualTo(1));
        }

        var search = JsonNode.Parse(await Ok(await nurse7W.GetAsync($"/fhir/Observation?patient=p1&code=http://loinc.org|8310-5&date={Iso(T(5))}")))!;
        Assert.That(search["total"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Transaction_ResolvesUrnUuidReferences_AndCreatesAll()
    {
        var bundle = $$$"""
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{{{Patient("ignored").Replace("\"id\":\"ignored\",", string.Empty, StringComparison.Ordinal).Replace("MRN-ignored", "MRN-tx-1", StringComparison.Ordinal)}}},
           "request":{"method":"POST","url":"Patient"}},
          {"resource":{{{Temperature("x", 38.6m, "Cel", T(6)).Replace("Patient/x", "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a", StringComparison.Ordinal)}}},
           "request":{"method":"POST","url":"Observation"}}]}
        """;
        var response = await integration.PostAsync("/fhir", Body(bundle));
        var result = JsonNode.Parse(await Ok(response))!;
        var entries = result["entry"]!.AsArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result["type"]!.GetValue<string>(), Is.EqualTo("transaction-response"));
            Assert.That(entries.Select(e => e!["response"]!["status"]!.GetValue<string>()), Is.All.EqualTo("201 Created"));
        }

        var patientId = entries[0]!["response"]!["location"]!.GetValue<string>().Split('/')[1];
        await AdmitExistingAsync(patientId);
        var search = JsonNode.Parse(await Ok(await nurse7W.GetAsync($"/fhir/Observation?patient={patientId}&code=8310-5")))!;
        Assert.That(search["total"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Transaction_OneBadEntry_RollsBackEverything_422NamingTheEntry()
    {
        var bundle = $$$"""
        {"resourceType":"Bundle","type":"transaction","entry":[
          {"resource":{{{Temperature("p1", 37.5m, "Cel", T(7), "tx-rollback-ok")}}},"request":{"method":"POST","url":"Observation"}},
          {"resource":{{{Temperature("p1", 37.5m, "mm[Hg]", T(7), "tx-rollback-bad")}}},"request":{"method":"POST","url":"Observation"}}]}
        """;
        var response = await integration.PostAsync("/fhir", Body(bundle));
        var outcome = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(outcome["resourceType"]!.GetValue<string>(), Is.EqualTo("OperationOutcome"));
            Assert.That(outcome.ToJsonString(), Does.Contain("Bundle.entry[1]"));
        }

        var search = JsonNode.Parse(await Ok(await nurse7W.GetAsync($"/fhir/Observation?patient=p1&date={Iso(T(7))}")))!;
        Assert.That(search["total"]!.GetValue<int>(), Is.Zero);
    }

    [Test]
    public async Task Batch_EntriesSucceedOrFailOnTheirOwn()
    {
        var bundle = $$$"""
        {"resourceType":"Bundle","type":"batch","entry":[
          {"resource":{{{Temperature("p1", 36.9m, "Cel", T(8), "batch-ok")}}},"request":{"method":"POST","url":"Observation"}},
          {"resource":{{{Temperature("nobody", 36.9m, "Cel", T(8), "batch-unknown-patient")}}},"request":{"method":"POST","url":"Observation"}}]}
        """;
        var result = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(bundle))))!;
        var statuses = result["entry"]!.AsArray().Select(e => e!["response"]!["status"]!.GetValue<string>()).ToList();
        Assert.That(statuses, Is.EqualTo(new[] { "201 Created", "422 Unprocessable Entity" }));
    }

    [Test]
    public async Task WrongMediaType_Is415_AndOversized_Is413_BothOperationOutcomes()
    {
        var wrongType = await integration.PostAsync("/fhir/Observation", new StringContent("hello", System.Text.Encoding.UTF8, "text/plain"));
        var huge = await integration.PostAsync("/fhir/Observation", Body(new string(' ', (1024 * 1024) + 10) + "{}"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(wrongType.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
            Assert.That(await wrongType.Content.ReadAsStringAsync(), Does.Contain("OperationOutcome"));
            Assert.That(huge.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
            Assert.That(await huge.Content.ReadAsStringAsync(), Does.Contain("OperationOutcome"));
        }
    }

    [Test]
    public async Task UnknownPatient_Is422NamingTheSubject()
    {
        var response = await integration.PostAsync("/fhir/Observation", Body(Temperature("never-admitted", 37m, "Cel", T(1))));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("subject"));
    }

    private async Task AdmitExistingAsync(string patientId) =>
        await Ok(await integration.PutAsync($"/fhir/Encounter/enc-{patientId}", Body(Encounter($"enc-{patientId}", patientId, "7W"))));
}
