using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The audit trail of the FHIR endpoint (reliability-security.md): every read and write of patient data and every
/// denied request is an append-only row with when, who (subject and role), what (action, resource type and id), which
/// patient, the outcome (<c>success</c>, <c>denied</c>, <c>error</c>) and the request's correlation id. The service
/// answers each request with its correlation id (header X-Correlation-Id) so each row
/// can be matched to the request that caused it. On each storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AuditTests(StorageProvider provider)
{
    private const string CorrelationHeader = AuditMiddleware.CorrelationHeader;
    private const string Patient = "p-audit";

    private static readonly DateTimeOffset At = ServiceHost.Start.AddHours(-1);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient feed = null!;
    private HttpClient ann = null!;
    private HttpClient bob = null!;
    private string observationId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        feed = host.ClientWith(host.Token("--role", "integration", "--sub", "feed-1"));
        ann = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "nurse-ann"));
        bob = host.ClientWith(host.Token("--role", "nurse", "--unit", "5E", "--sub", "nurse-bob"));
        await AdmitAsync(feed, Patient, "7W");
        observationId = JsonNode.Parse(await Ok(await feed.PostAsync("/fhir/Observation", Body(Temperature(Patient, 37.8m, "Cel", At)))))!["id"]!.GetValue<string>();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        feed.Dispose();
        ann.Dispose();
        bob.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task NurseRead_IsOneSuccessRow_WithSubjectRolePatientAndCorrelationId()
    {
        var response = await ann.GetAsync($"/fhir/Observation/{observationId}");
        await Ok(response);
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with
        {
            Action = "fhir.read", Actor = "nurse-ann", Role = "nurse", Outcome = "success",
            ResourceType = "Observation", ResourceId = observationId, PatientId = Patient,
        }));
    }

    [Test]
    public async Task OtherUnitsNurseRead_IsOneDeniedRow_NamingThePatient()
    {
        var response = await bob.GetAsync($"/fhir/Observation/{observationId}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with
        {
            Action = "fhir.read", Actor = "nurse-bob", Role = "nurse", Outcome = "denied",
            ResourceType = "Observation", ResourceId = observationId, PatientId = Patient,
        }));
    }

    [Test]
    public async Task NurseSearch_IsOneSuccessRow_NamingThePatient()
    {
        var response = await ann.GetAsync($"/fhir/Observation?patient={Patient}&code=8310-5");
        await Ok(response);
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with { Action = "fhir.search", Actor = "nurse-ann", Role = "nurse", Outcome = "success", PatientId = Patient }));
    }

    [Test]
    public async Task IntegrationWrite_IsOneSuccessRow_WithTheNewResourceAndItsPatient()
    {
        var response = await feed.PostAsync("/fhir/Observation", Body(Temperature(Patient, 38.1m, "Cel", At.AddMinutes(5))));
        var id = JsonNode.Parse(await Ok(response))!["id"]!.GetValue<string>();
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with
        {
            Action = "fhir.create", Actor = "feed-1", Role = "integration", Outcome = "success",
            ResourceType = "Observation", ResourceId = id, PatientId = Patient,
        }));
    }

    [Test]
    public async Task Transaction_IsOneSuccessRowPerEntry()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Temperature(Patient, 38.2m, "Cel", At.AddMinutes(10))}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{Systolic(Patient, 104m, At.AddMinutes(10))}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var response = await feed.PostAsync("/fhir", Body(bundle));
        var ids = JsonNode.Parse(await Ok(response))!["entry"]!.AsArray().Select(e => e!["response"]!["location"]!.GetValue<string>().Split('/')[1]).ToList();
        var rows = await RowsOfAsync(response);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows.Select(r => r.ResourceId), Is.EquivalentTo(ids));
            Assert.That(rows, Has.All.Matches<AuditEntry>(r => r!.Action == "fhir.transaction" && r.Actor == "feed-1" && r.Role == "integration"
                && r.Outcome == "success" && r.ResourceType == "Observation" && r.PatientId == Patient));
        }
    }

    [Test]
    public async Task FailedWrite422_IsOneErrorRow_AndStoresNothing()
    {
        var response = await feed.PostAsync("/fhir/Observation", Body(Temperature(Patient, 37.5m, "mm[Hg]", At)));
        await FhirAssert.OutcomeAsync(response, 422);
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with { Action = "fhir.create", Actor = "feed-1", Role = "integration", Outcome = "error", ResourceType = "Observation" }));
    }

    [Test]
    public async Task NurseWritingAPatient_IsOneDeniedRow()
    {
        var response = await ann.PutAsync($"/fhir/Patient/{Patient}", Body(FhirTestData.Patient(Patient)));
        await FhirAssert.OutcomeAsync(response, 403);
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with { Action = "fhir.update", Actor = "nurse-ann", Role = "nurse", Outcome = "denied", ResourceType = "Patient", ResourceId = Patient }));
    }

    [Test]
    public async Task NoToken_IsOneDeniedRow_WithoutAnActor()
    {
        using var anonymous = host.ClientWith(null);
        var response = await anonymous.GetAsync($"/fhir/Observation/{observationId}");
        await FhirAssert.OutcomeAsync(response, 401);
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with { Actor = null, Role = null, Outcome = "denied" }));
    }

    [Test]
    public async Task IntegrationRead_IsOneDeniedRow_WithTheClientAndRole()
    {
        var response = await feed.GetAsync($"/fhir/Observation/{observationId}");
        await FhirAssert.OutcomeAsync(response, 403);
        var row = await SingleRowOfAsync(response);
        Assert.That(row, Is.EqualTo(row with { Actor = "feed-1", Role = "integration", Outcome = "denied" }));
    }

    [Test]
    public async Task Metadata_IsNotPatientData_AndIsNotAudited()
    {
        using var anonymous = host.ClientWith(null);
        var response = await anonymous.GetAsync("/fhir/metadata");
        await Ok(response);
        Assert.That(await RowsOfAsync(response), Is.Empty);
    }

    /// <summary>The audit rows written for the request that got <paramref name="response"/>, by its correlation id.</summary>
    private async Task<IReadOnlyList<AuditEntry>> RowsOfAsync(HttpResponseMessage response)
    {
        Assert.That(response.Headers.TryGetValues(CorrelationHeader, out var values), Is.True, "the service answers with the correlation id of the audit row");
        var correlationId = values!.Single();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId)];
    }

    /// <summary>The one audit row of that request; its time is the (fake) clock's.</summary>
    private async Task<AuditEntry> SingleRowOfAsync(HttpResponseMessage response)
    {
        var rows = await RowsOfAsync(response);
        Assert.That(rows, Has.Count.EqualTo(1), () => $"audit rows of the request: {string.Join("; ", rows)}");
        Assert.That(rows[0].At, Is.EqualTo(ServiceHost.Start));
        return rows[0];
    }
}
