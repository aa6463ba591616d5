using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Ingest;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Bundles as hospital feeds send them (issue 13): conditional references (<c>Patient?identifier=</c>) resolved to the
/// stored resource or to an entry of the same transaction; a type the service does not keep refused by name; the
/// Synthea patient Bundles of <c>../shared/fhir-examples/synthea/</c>, which nobody here wrote, posted as an interface
/// engine would. On each provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class BundleIntegrationTests(StorageProvider provider)
{
    /// <summary>What the service grades (LOINC): temperature, heart rate, respiratory rate, blood pressure, SpO2, each as hospitals code them.</summary>
    private static readonly HashSet<string> VitalSignCodes = ["8310-5", "8331-1", "8867-4", "9279-1", "85354-9", "55284-4", "59408-5", "2708-6"];

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task ConditionalReferences_ResolveToTheStoredPatient_AndToAnEntryOfTheSameTransaction()
    {
        await AdmitAsync(integration, "p-cref", "7W");
        var toStored = Transaction(Entry(WithSubject(Temperature("p-cref", 37.2m, "Cel", T(1)), "Patient?identifier=urn:mrn|MRN-p-cref"), "POST", "Observation"));
        var stored = await PostBundleAsync(toStored);
        Assert.That(await SubjectOfAsync(stored, 0), Is.EqualTo("Patient/p-cref"));

        var observation = JsonNode.Parse(WithSubject(Temperature("p-cref", 37.3m, "Cel", T(2)), "Patient?identifier=urn:mrn|MRN-p-new"))!;
        observation["performer"] = new JsonArray(new JsonObject { ["reference"] = "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999999" });
        var inBundle = Transaction(Entry(observation.ToJsonString(), "POST", "Observation"), Entry(Patient("ignored-id").Replace("MRN-ignored-id", "MRN-p-new", StringComparison.Ordinal), "POST", "Patient"));
        var response = await PostBundleAsync(inBundle);
        var patientId = response["entry"]![1]!["response"]!["location"]!.GetValue<string>().Split('/')[1];
        Assert.That(await SubjectOfAsync(response, 0), Is.EqualTo($"Patient/{patientId}"));
        var warnings = response["entry"]![0]!["response"]!["outcome"]!["issue"]!.AsArray();
        Assert.That(warnings.Select(i => i!["expression"]![0]!.GetValue<string>()), Is.EqualTo(new[] { "Bundle.entry[0].resource.performer[0].reference" }),
            "a Practitioner is not kept here: the reference stays as sent, with a warning naming it");
    }

    [Test]
    public async Task ConditionalReference_ThatFindsNothing_Is422NamingTheElement_AndOutsideABundleIsRefused()
    {
        var nobody = Transaction(Entry(WithSubject(Temperature("x", 37.2m, "Cel", T(1)), "Patient?identifier=urn:mrn|nobody"), "POST", "Observation"));
        var outcome = await FhirAssert.OutcomeAsync(await integration.PostAsync("/fhir", Body(nobody)), 422);
        Assert.That(outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Bundle.entry[0].resource.subject.reference" }));

        var single = await FhirAssert.OutcomeAsync(await integration.PostAsync("/fhir/Observation",
            Body(WithSubject(Temperature("x", 37.2m, "Cel", T(1)), "Patient?identifier=urn:mrn|MRN-p-cref"))), 422);
        Assert.That(single.Issue.Single().Diagnostics, Does.Contain("resolved only in a transaction or batch Bundle"));
    }

    [Test]
    public async Task Transaction_WithATypeThisServiceDoesNotKeep_Is422NamingTheType()
    {
        var bundle = Transaction(
            Entry(Patient("p-org"), "POST", "Patient"),
            Entry("""{"resourceType":"Organization","name":"Hospital"}""", "POST", "Organization"));
        var outcome = await FhirAssert.OutcomeAsync(await integration.PostAsync("/fhir", Body(bundle)), 422);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Bundle.entry[1].resource.resourceType" }));
            Assert.That(outcome.Issue.Single().Diagnostics, Does.StartWith("Organization is not a type this service keeps"));
        }
    }

    [TestCase("synthea-2020-carroll.json")]
    [TestCase("synthea-v2.4-clemente.json")]
    public async Task SyntheaBundle_WithTheTypesNotKeptLeftOut_EveryVitalSignBecomesAReading(string file)
    {
        var bundle = SharedFhirExamples.SyntheaBundle(file);
        var kept = bundle["entry"]!.AsArray().Where(e => IsKept(e!["resource"]!["resourceType"]!.GetValue<string>())).Select(e => e!.DeepClone()).ToList();
        bundle["entry"] = new JsonArray([.. kept]);
        var response = await PostBundleAsync(bundle.ToJsonString());

        var vitalSigns = kept.Select((e, i) => (Entry: e!, Index: i))
            .Where(x => x.Entry["resource"]!["resourceType"]!.GetValue<string>() == "Observation"
                && x.Entry["resource"]!["code"]!["coding"]!.AsArray().Any(c => VitalSignCodes.Contains(c!["code"]!.GetValue<string>())))
            .ToList();
        Assert.That(vitalSigns, Is.Not.Empty, "the file holds vital signs");
        var withoutReading = new List<string>();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        foreach (var (entry, index) in vitalSigns)
        {
            var id = response["entry"]![index]!["response"]!["location"]!.GetValue<string>().Split('/')[1];
            var readings = await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM reading WHERE source_type = 'Observation' AND source_id = @id", new { id });
            if (readings == 0)
            {
                withoutReading.Add(string.Join(",", entry["resource"]!["code"]!["coding"]!.AsArray().Select(c => c!["code"]!.GetValue<string>())));
            }
        }

        Assert.That(withoutReading, Is.Empty, $"{vitalSigns.Count} vital signs; these codes gave no reading");
    }

    [Test]
    public async Task SyntheaBundle_AsABatch_RefusesEachEntryOfATypeNotKept_AndStoresTheOthers()
    {
        var bundle = SharedFhirExamples.SyntheaBundle("synthea-2020-carroll.json");
        bundle["type"] = "batch";
        var response = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(bundle.ToJsonString()))))!;
        var entries = bundle["entry"]!.AsArray();
        var answers = response["entry"]!.AsArray();
        Assert.That(answers, Has.Count.EqualTo(entries.Count));
        for (var i = 0; i < entries.Count; i++)
        {
            var type = entries[i]!["resource"]!["resourceType"]!.GetValue<string>();
            var status = answers[i]!["response"]!["status"]!.GetValue<string>();
            if (!IsKept(type))
            {
                Assert.That(status, Is.EqualTo("422 Unprocessable Entity"), type);
                Assert.That(answers[i]!["response"]!["outcome"]!["issue"]![0]!["diagnostics"]!.GetValue<string>(), Does.StartWith($"{type} is not a type this service keeps"));
            }
            else if (type == "Patient")
            {
                Assert.That(status, Does.StartWith("20"), "stored (or, after the transaction test, recognised as a resend)");
            }
        }
    }

    private static bool IsKept(string type) => Service.Ingest.Endpoints.FhirEndpoints.SupportedTypes.Contains(type);

    private async Task<JsonNode> PostBundleAsync(string bundle) => JsonNode.Parse(await Ok(await integration.PostAsync("/fhir", Body(bundle))))!;

    private async Task<string> SubjectOfAsync(JsonNode response, int entry)
    {
        var location = response["entry"]![entry]!["response"]!["location"]!.GetValue<string>();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var stored = await FhirResourceStore.ReadAsync(connection, "Observation", location.Split('/')[1], CancellationToken.None);
        return JsonNode.Parse(stored!.Body)!["subject"]!["reference"]!.GetValue<string>();
    }

    private static string WithSubject(string json, string reference)
    {
        var node = JsonNode.Parse(json)!;
        node["subject"] = new JsonObject { ["reference"] = reference };
        return node.ToJsonString();
    }

    private static string Entry(string resource, string method, string url) =>
        new JsonObject { ["resource"] = JsonNode.Parse(resource), ["request"] = new JsonObject { ["method"] = method, ["url"] = url } }.ToJsonString();

    private static string Transaction(params string[] entries) =>
        new JsonObject { ["resourceType"] = "Bundle", ["type"] = "transaction", ["entry"] = new JsonArray([.. entries.Select(e => JsonNode.Parse(e))]) }.ToJsonString();
}
