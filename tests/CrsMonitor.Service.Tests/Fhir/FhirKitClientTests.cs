using static CrsMonitor.Service.Tests.NodeScenario;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Alerts;
using CrsMonitor.Service.Tests.Storage;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Issue 13: the npm FHIR client <c>fhir-kit-client</c> (2.0.3, pinned in <c>FhirKitClient/package-lock.json</c>)
/// against the service over real HTTP, with no workaround: create, a create with a warning, conditional create twice,
/// update and conditional update, a correction, a transaction with <c>urn:uuid:</c> references, read, vread, paged
/// search followed with <c>nextPage</c>, and the 422, 403 and 404 the client rejects with the OperationOutcome.
/// <c>FhirKitClient/scenario.mjs</c> runs once per fixture under <c>node</c> against a host listening on a loopback
/// port; each test asserts one step of the JSON it prints. On each storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class FhirKitClientTests(StorageProvider provider)
{
    private const string Patient = "kit-p1";
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromSeconds(60);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private NodeScenario scenario = null!;
    private string baseUrl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var folder = Path.Combine(AlertSchema.RepositoryRoot(), "tests", "CrsMonitor.Service.Tests", "FhirKitClient");
        Assert.That(Directory.Exists(Path.Combine(folder, "node_modules", "fhir-kit-client")), Is.True,
            $"fhir-kit-client is not installed in {folder}/node_modules: run tests/run.sh (it runs npm ci there), or npm ci in that folder");

        database = await TestDatabase.CreateAsync(provider);
        host = AlertKit.Listening(database, ServiceHost.Start);
        var address = AlertKit.Address(host);
        var integrationToken = host.TokenFor("integration");
        using (var integration = new HttpClient { BaseAddress = address })
        {
            FhirTestData.Bearer(integration, integrationToken);
            await FhirTestData.AdmitAsync(integration, Patient, AlertKit.West);
        }

        baseUrl = new Uri(address, "/fhir").AbsoluteUri;
        scenario = await NodeScenario.RunAsync("fhir-kit-client", folder,
        [
            baseUrl,
            integrationToken,
            host.TokenFor("nurse", AlertKit.West),
            host.TokenFor("nurse", AlertKit.East),
            Patient,
            FhirTestData.Iso(ServiceHost.Start),
        ], ScenarioTimeout);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }

        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }

    [Test]
    public void Scenario_RanEveryStep_WithoutAnUnexpectedException()
    {
        Assert.That(scenario.ExitCode, Is.Zero, scenario.Describe());
    }

    [Test]
    public void Create_ReturnsTheCreatedObservation_WithAnAbsoluteLocation()
    {
        var create = scenario.Step("create");
        var id = Text(create, "id");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Number(create, "status"), Is.EqualTo(201));
            Assert.That(Text(create, "resourceType"), Is.EqualTo("Observation"), "the client returns the created Observation");
            Assert.That(id, Is.Not.Null.And.Not.Empty);
            Assert.That(Text(create, "versionId"), Is.EqualTo("1"));
            Assert.That(Text(create, "location"), Is.EqualTo($"{baseUrl}/Observation/{id}/_history/1"));
            Assert.That(Text(create, "etag"), Is.EqualTo("W/\"1\""));
        }
    }

    [Test]
    public void CreateWithAWarning_StillReturnsTheCreatedObservation_TheWarningInAHeader()
    {
        var bmi = scenario.Step("createWithWarning");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Number(bmi, "status"), Is.EqualTo(201));
            Assert.That(Text(bmi, "resourceType"), Is.EqualTo("Observation"), "a warning must not replace the created resource");
            Assert.That(Text(bmi, "id"), Is.Not.Null.And.Not.EqualTo(Text(scenario.Step("create"), "id")));
            Assert.That(Text(bmi, "warning"), Does.StartWith("199 crsmonitor "));
        }
    }

    [Test]
    public void ConditionalCreate_Twice_IsTheSameObservation_201Then200()
    {
        var step = scenario.Step("conditionalCreate");
        var first = step.GetProperty("first");
        var second = step.GetProperty("second");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((Number(first, "status"), Number(second, "status")), Is.EqualTo((201, 200)));
            Assert.That(Text(second, "resourceType"), Is.EqualTo("Observation"), "the resend answers the stored Observation");
            Assert.That(Text(second, "id"), Is.EqualTo(Text(first, "id")));
            Assert.That(Text(second, "versionId"), Is.EqualTo("1"));
        }
    }

    [Test]
    public void Update_ById_IsVersion2_OfTheCreatedObservation()
    {
        var update = scenario.Step("update");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Number(update, "status"), Is.EqualTo(200));
            Assert.That(Text(update, "resourceType"), Is.EqualTo("Observation"));
            Assert.That(Text(update, "id"), Is.EqualTo(Text(scenario.Step("create"), "id")));
            Assert.That(Text(update, "versionId"), Is.EqualTo("2"));
            Assert.That(update.GetProperty("value").GetDecimal(), Is.EqualTo(38.6m));
        }
    }

    [Test]
    public void ConditionalUpdate_ThroughUpdateWithSearchParams_IsVersion2_OfTheConditionallyCreatedObservation()
    {
        var update = scenario.Step("conditionalUpdate");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Number(update, "status"), Is.EqualTo(200));
            Assert.That(Text(update, "id"), Is.EqualTo(Text(scenario.Step("conditionalCreate").GetProperty("first"), "id")));
            Assert.That(Text(update, "versionId"), Is.EqualTo("2"));
            Assert.That(update.GetProperty("value").GetDecimal(), Is.EqualTo(37.7m));
        }
    }

    [Test]
    public void Correction_TheSameIdentifierWithOtherContent_IsVersion2_OfTheSameObservation()
    {
        var step = scenario.Step("correction");
        var first = step.GetProperty("first");
        var second = step.GetProperty("second");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Number(first, "status"), Is.EqualTo(201));
            Assert.That(Text(second, "resourceType"), Is.EqualTo("Observation"));
            Assert.That(Text(second, "id"), Is.EqualTo(Text(first, "id")));
            Assert.That((Text(first, "versionId"), Text(second, "versionId")), Is.EqualTo(("1", "2")));
            Assert.That(second.GetProperty("value").GetDecimal(), Is.EqualTo(37.4m));
        }
    }

    [Test]
    public void Transaction_ResolvesUrnUuidReferences_AndTheUnitsNurseReadsWhatItCreated()
    {
        var tx = scenario.Step("transaction");
        var entries = tx.GetProperty("entries").EnumerateArray().ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Number(tx, "status"), Is.EqualTo(200));
            Assert.That((Text(tx, "resourceType"), Text(tx, "type")), Is.EqualTo(("Bundle", "transaction-response")));
            Assert.That(entries, Has.Count.EqualTo(3));
            Assert.That(entries.Select(e => Text(e, "status")), Is.All.StartWith("201"));
            // Bundle.entry.response.location is relative to the base, as R4 allows, in the order of the entries.
            Assert.That(entries.Select(e => Text(e, "location")), Is.EqualTo(new[]
            {
                $"Patient/{Text(tx, "patientId")}/_history/1",
                entries.Count > 1 ? $"Encounter/{IdOf(Text(entries[1], "location"))}/_history/1" : null,
                $"Observation/{Text(tx, "observationId")}/_history/1",
            }));
            Assert.That(Text(tx, "observationSubject"), Is.EqualTo($"Patient/{Text(tx, "patientId")}"), "the urn:uuid: subject is the Patient of the same Bundle");
        }
    }

    [Test]
    public void Read_IsTheCurrentVersion_AndVread_TheFirst()
    {
        var read = scenario.Step("read");
        var vread = scenario.Step("vread");
        var id = Text(scenario.Step("create"), "id");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((Number(read, "status"), Text(read, "id"), Text(read, "versionId")), Is.EqualTo((200, id, "2")));
            Assert.That(read.GetProperty("value").GetDecimal(), Is.EqualTo(38.6m));
            Assert.That(Text(read, "etag"), Is.EqualTo("W/\"2\""));
            Assert.That((Number(vread, "status"), Text(vread, "id"), Text(vread, "versionId")), Is.EqualTo((200, id, "1")));
            Assert.That(vread.GetProperty("value").GetDecimal(), Is.EqualTo(38.2m));
        }
    }

    [Test]
    public void PagedSearch_FollowedWithNextPage_GivesEveryObservationOnce()
    {
        var search = scenario.Step("pagedSearch");
        var pages = search.GetProperty("pages").EnumerateArray().ToList();
        var ids = search.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ToList();
        var expected = search.GetProperty("expected").EnumerateArray().Select(i => i.GetString()).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(pages, Has.Count.GreaterThan(1), "four Observations (and their grades) at _count=2 are more than one page");
            Assert.That(pages.Select(p => Number(p, "status")), Is.All.EqualTo(200));
            Assert.That(pages.Select(p => Text(p, "type")), Is.All.EqualTo("searchset"));
            Assert.That(pages.Select(p => p.GetProperty("ids").GetArrayLength()), Is.All.InRange(1, 2));
            Assert.That(pages.SelectMany(p => p.GetProperty("resourceTypes").EnumerateArray().Select(t => t.GetString())), Is.All.EqualTo("Observation"));
            Assert.That(ids, Is.Unique, "no Observation on two pages");
            Assert.That(expected, Has.Count.EqualTo(4).And.All.Not.Null);
            Assert.That(ids, Is.SupersetOf(expected), "every Observation of the patient is on a page");
        }
    }

    [Test]
    public void ObservationWithoutEffectiveTime_RejectsWith422_AndTheOperationOutcome()
    {
        var error = scenario.Step("unprocessable");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.GetProperty("rejected").GetBoolean(), Is.True, scenario.Describe());
            Assert.That(error.GetProperty("isError").GetBoolean(), Is.True);
            Assert.That(Number(error, "status"), Is.EqualTo(422));
            Assert.That(Text(error, "resourceType"), Is.EqualTo("OperationOutcome"));
            Assert.That(Text(error, "severity"), Is.EqualTo("error"));
            Assert.That(Text(error, "expression"), Is.EqualTo("Observation.effective[x]"));
        }
    }

    [Test]
    public void NurseOfAnotherUnit_RejectsWith403_AndTheOperationOutcome()
    {
        var error = scenario.Step("forbidden");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.GetProperty("rejected").GetBoolean(), Is.True, scenario.Describe());
            Assert.That(error.GetProperty("isError").GetBoolean(), Is.True);
            Assert.That(Number(error, "status"), Is.EqualTo(403));
            Assert.That(Text(error, "resourceType"), Is.EqualTo("OperationOutcome"));
            Assert.That(Text(error, "code"), Is.EqualTo("forbidden"));
            Assert.That(Text(error, "expression"), Is.EqualTo("Resource.subject"), "the patient's unit is what forbids it");
        }
    }

    [Test]
    public void UnknownId_RejectsWith404_AndTheOperationOutcome()
    {
        var error = scenario.Step("notFound");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.GetProperty("rejected").GetBoolean(), Is.True, scenario.Describe());
            Assert.That(Number(error, "status"), Is.EqualTo(404));
            Assert.That(Text(error, "resourceType"), Is.EqualTo("OperationOutcome"));
        }
    }


    private static string? IdOf(string? location) => location?.Split('/') is [_, var id, ..] ? id : null;
}
