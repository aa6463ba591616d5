using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Issue 12, interpret once, over HTTP on each provider: what is stored is what was accepted plus the server's id and
/// meta, the answer is the stored JSON, a transaction's references name the ids its entries were given, and a
/// database written before the change still recognises a resend by its stored content hash.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class InterpretOnceTests(StorageProvider provider)
{
    /// <summary>A reading without identifier, with the client's own id and meta, and its content hash as the code before issue 12 stored it.</summary>
    private const string StoredBefore = """{"resourceType":"Observation","id":"client-id","meta":{"versionId":"7","lastUpdated":"2020-01-01T00:00:00Z","profile":["http://hl7.org/fhir/StructureDefinition/bodytemp"]},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},"subject":{"reference":"Patient/hash-p1"},"effectiveDateTime":"2026-11-02T08:15:00+01:00","valueQuantity":{"value":38.50,"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"},"note":[{"text":"fièvre < 39 & \"frissons\" + sueurs"}]}""";

    private const string StoredBeforeHash = "ced8d6a38f546fd924dcf2104318114a3d8365c21ee2a911e2d2de084a662449";

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
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, "io-p1", "7W");
        await AdmitAsync(integration, "hash-p1", "7W");
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
    public async Task Create_StoresWhatWasAcceptedPlusIdAndMeta_AndAnswersWithTheStoredJson()
    {
        var sent = StoredBefore.Replace("hash-p1", "io-p1", StringComparison.Ordinal).Replace("38.50", "38.25", StringComparison.Ordinal);
        var response = await nurse.PostAsync("/fhir/Observation", Body(sent));
        var answered = await Ok(response);
        var id = JsonNode.Parse(answered)!["id"]!.GetValue<string>();
        var stored = await ReadStoredAsync("Observation", id);

        var (resource, _) = FhirJson.Parse(Encoding.UTF8.GetBytes(sent), "Observation");
        resource!.Id = id;
        resource.Meta!.VersionId = "1";
        resource.Meta.LastUpdated = stored.LastUpdated;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(stored.Body, Is.EqualTo(FhirJson.Serialize(resource)), "the resource as sent, with the server's id and meta (its profile kept)");
            Assert.That(answered, Is.EqualTo(stored.Body), "the answer is the stored JSON");
            Assert.That(await Ok(await nurse.GetAsync($"/fhir/Observation/{id}")), Is.EqualTo(stored.Body));
        }
    }

    [Test]
    public async Task Resend_OfContentStoredBeforeTheChange_IsRecognisedByItsStoredHash()
    {
        // A row as the code before issue 12 wrote it: the content hash it computed for this resource.
        var saved = await database.Database.InTransactionAsync((c, tx) => FhirResourceStore.CreateAsync(c, tx,
            new ResourceToStore("Observation", "stored-before", "hash-p1", StoredBeforeHash, [],
                (v, at) => StoredBefore.Replace("\"id\":\"client-id\"", "\"id\":\"stored-before\"", StringComparison.Ordinal)), T(0), default), default);
        Assert.That(saved.Kind, Is.EqualTo(SaveKind.Created));

        var resent = await integration.PostAsync("/fhir/Observation", Body(StoredBefore));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resent.StatusCode, Is.EqualTo(HttpStatusCode.OK), await resent.Content.ReadAsStringAsync());
            Assert.That(FhirAssert.LocationPath(resent), Is.EqualTo("/fhir/Observation/stored-before/_history/1"));
        }
    }

    [Test]
    public async Task Transaction_ReferencesNameTheAssignedIds_AndOnlyReferencesAreResolved()
    {
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var encounterUrn = $"urn:uuid:{Guid.NewGuid()}";
        // The urn also appears as an identifier value and a note: those are not references and stay as sent.
        var observation = Temperature("x", 38.4m, "Cel", T(2))
            .Replace("Patient/x", patientUrn, StringComparison.Ordinal)
            .Replace("\"status\"", $"\"identifier\":[{{\"system\":\"urn:ietf:rfc:3986\",\"value\":\"{patientUrn}\"}}],\"encounter\":{{\"reference\":\"{encounterUrn.ToUpperInvariant().Replace("URN:UUID:", "urn:uuid:", StringComparison.Ordinal)}\"}},\"note\":[{{\"text\":\"{patientUrn}\"}}],\"status\"", StringComparison.Ordinal);
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{observation}}},"request":{"method":"POST","url":"Observation"}},
              {"fullUrl":"{{{encounterUrn}}}","resource":{{{Encounter("ignored", "x", "7W").Replace("\"id\":\"ignored\",", string.Empty, StringComparison.Ordinal).Replace("Patient/x", patientUrn, StringComparison.Ordinal)}}},
               "request":{"method":"POST","url":"Encounter"}},
              {"fullUrl":"{{{patientUrn}}}","resource":{{{Patient("ignored").Replace("\"id\":\"ignored\",", string.Empty, StringComparison.Ordinal).Replace("MRN-ignored", "MRN-io-tx", StringComparison.Ordinal)}}},
               "request":{"method":"POST","url":"Patient"}}]}
            """;
        var result = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(bundle))))!;
        var ids = result["entry"]!.AsArray().Select(e => e!["response"]!["location"]!.GetValue<string>().Split('/')[1]).ToList();
        var (observationId, encounterId, patientId) = (ids[0], ids[1], ids[2]);

        var storedObservation = JsonNode.Parse((await ReadStoredAsync("Observation", observationId)).Body)!;
        var storedEncounter = JsonNode.Parse((await ReadStoredAsync("Encounter", encounterId)).Body)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(storedObservation["subject"]!["reference"]!.GetValue<string>(), Is.EqualTo($"Patient/{patientId}"));
            Assert.That(storedObservation["encounter"]!["reference"]!.GetValue<string>(), Is.EqualTo($"Encounter/{encounterId}"), "urn:uuid compared without case");
            Assert.That(storedEncounter["subject"]!["reference"]!.GetValue<string>(), Is.EqualTo($"Patient/{patientId}"));
            Assert.That(storedObservation["identifier"]![0]!["value"]!.GetValue<string>(), Is.EqualTo(patientUrn));
            Assert.That(storedObservation["note"]![0]!["text"]!.GetValue<string>(), Is.EqualTo(patientUrn));
        }

        // The reading was placed on the patient the reference now names.
        var search = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient={patientId}&code=8310-5")))!;
        Assert.That(search["total"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Transaction_Resent_WhereAReadingNamesAnotherEntry_FindsTheSameResources()
    {
        var patientUrn = $"urn:uuid:{Guid.NewGuid()}";
        var firstUrn = $"urn:uuid:{Guid.NewGuid()}";
        // Readings without identifier: the resend guard is their content, which names other entries of the Bundle.
        var first = Temperature("x", 38.7m, "Cel", T(3)).Replace("Patient/x", patientUrn, StringComparison.Ordinal);
        var second = Temperature("x", 38.9m, "Cel", T(4)).Replace("Patient/x", patientUrn, StringComparison.Ordinal)
            .Replace("\"status\"", $"\"derivedFrom\":[{{\"reference\":\"{firstUrn}\"}}],\"status\"", StringComparison.Ordinal);
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"{{{patientUrn}}}","resource":{{{Patient("ignored").Replace("\"id\":\"ignored\",", string.Empty, StringComparison.Ordinal).Replace("MRN-ignored", "MRN-io-resend", StringComparison.Ordinal)}}},
               "request":{"method":"POST","url":"Patient"}},
              {"fullUrl":"{{{firstUrn}}}","resource":{{{first}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{second}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var sent = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(bundle))))!["entry"]!.AsArray();
        var resent = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(bundle))))!["entry"]!.AsArray();
        var locations = sent.Select(e => e!["response"]!["location"]!.GetValue<string>()).ToList();
        var secondStored = JsonNode.Parse((await ReadStoredAsync("Observation", locations[2].Split('/')[1])).Body)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sent.Select(e => e!["response"]!["status"]!.GetValue<string>()), Is.All.EqualTo("201 Created"));
            Assert.That(resent.Select(e => e!["response"]!["status"]!.GetValue<string>()), Is.All.EqualTo("200 OK"));
            Assert.That(resent.Select(e => e!["response"]!["location"]!.GetValue<string>()), Is.EqualTo(locations));
            Assert.That(secondStored["derivedFrom"]![0]!["reference"]!.GetValue<string>(), Is.EqualTo(string.Join('/', locations[1].Split('/')[..2])));
        }
    }

    [Test]
    public async Task Transactions_InParallel_CreatingOnePatient_AllSucceed_AndEveryReadingNamesTheOnePatient()
    {
        // References are resolved before the transaction: a Patient another Bundle stores meanwhile must still be the
        // one every reading ends up on (the transaction checks its targets and resolves again), never a dangling id.
        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
        {
            var urn = $"urn:uuid:{Guid.NewGuid()}";
            var bundle = $$$"""
                {"resourceType":"Bundle","type":"transaction","entry":[
                  {"fullUrl":"{{{urn}}}","resource":{{{Patient("ignored").Replace("\"id\":\"ignored\",", string.Empty, StringComparison.Ordinal).Replace("MRN-ignored", "MRN-io-race", StringComparison.Ordinal)}}},
                   "request":{"method":"POST","url":"Patient"}},
                  {"resource":{{{Temperature("x", 37.5m, "Cel", T(6), $"io-race-{i}").Replace("Patient/x", urn, StringComparison.Ordinal)}}},"request":{"method":"POST","url":"Observation"}}]}
                """;
            return integration.PostAsync("/fhir", Body(bundle));
        }));
        var patients = new HashSet<string>();
        var subjects = new HashSet<string>();
        foreach (var response in responses)
        {
            var entries = JsonNode.Parse(await Ok(response))!["entry"]!.AsArray();
            patients.Add(entries[0]!["response"]!["location"]!.GetValue<string>().Split('/')[1]);
            var observation = JsonNode.Parse((await ReadStoredAsync("Observation", entries[1]!["response"]!["location"]!.GetValue<string>().Split('/')[1])).Body)!;
            subjects.Add(observation["subject"]!["reference"]!.GetValue<string>());
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(patients, Has.Count.EqualTo(1));
            Assert.That(subjects, Is.EqualTo(new[] { $"Patient/{patients.Single()}" }));
        }
    }

    [Test]
    public async Task Transaction_TwoEntriesNamedByOneUrn_Is422NamingTheSecond_AndStoresNothing()
    {
        var urn = $"urn:uuid:{Guid.NewGuid()}";
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"fullUrl":"{{{urn}}}","resource":{{{Temperature("io-p1", 37.1m, "Cel", T(5), "io-twice-1")}}},"request":{"method":"POST","url":"Observation"}},
              {"fullUrl":"{{{urn.ToUpperInvariant()}}}","resource":{{{Temperature("io-p1", 37.2m, "Cel", T(5), "io-twice-2")}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{Temperature("io-p1", 37.3m, "Cel", T(5), "io-twice-3").Replace("Patient/io-p1", urn, StringComparison.Ordinal)}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var response = await integration.PostAsync("/fhir", Body(bundle));
        var outcome = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
            Assert.That(outcome, Does.Contain("Bundle.entry[1].fullUrl"));
        }

        var search = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient=io-p1&date={Iso(T(5))}")))!;
        Assert.That(search["total"]!.GetValue<int>(), Is.Zero);
    }

    private async Task<StoredResource> ReadStoredAsync(string type, string id)
    {
        await using var c = await database.Database.OpenAsync(default);
        return await FhirResourceStore.ReadAsync(c, type, id, default) ?? throw new AssertionException($"{type}/{id} is not stored");
    }
}
