using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Hl7.Fhir.Model;
using Microsoft.Data.Sqlite;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Database outage (reliability-security.md): while the database is down, requests answer 503 with
/// <c>Retry-After</c> (an OperationOutcome under /fhir) and store nothing; when it is back they work again by
/// themselves, and a resend is stored once. The outage is simulated on SQLite by moving the database's folder away
/// (pooled connections cleared first): opening the file then fails, as with a lost volume; moving it back ends it.
/// </summary>
public sealed class FhirDatabaseOutageTests
{
    private static readonly DateTimeOffset At = ServiceHost.Start.AddHours(-1);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;
    private string observationId = null!;
    private string folder = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        folder = Path.GetDirectoryName(new SqliteConnectionStringBuilder(database.ConnectionString).DataSource)!;
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, "p-outage", "7W");
        observationId = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-outage", 37.2m, "Cel", At)))))!["id"]!.GetValue<string>();
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
    public async Task Write_WhileTheDatabaseIsDown_Is503WithRetryAfter_StoresNothing_AndAResendAfterwardsIsStoredOnce()
    {
        var body = Temperature("p-outage", 38.3m, "Cel", At.AddMinutes(10), "outage-write");
        var transaction = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Temperature("p-outage", 38.4m, "Cel", At.AddMinutes(11), "outage-tx")}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        HttpResponseMessage create, update, bundle;
        using (Outage())
        {
            create = await integration.PostAsync("/fhir/Observation", Body(body));
            update = await integration.PutAsync("/fhir/Observation/outage-put", Body(body));
            bundle = await integration.PostAsync("/fhir", Body(transaction));
        }

        using (Assert.EnterMultipleScope())
        {
            await AssertUnavailableAsync(create);
            await AssertUnavailableAsync(update);
            await AssertUnavailableAsync(bundle);
        }

        Assert.That(await TemperaturesAtAsync(At.AddMinutes(10)), Is.Zero, "nothing stored while down");
        var resent = await integration.PostAsync("/fhir/Observation", Body(body));
        var again = await integration.PostAsync("/fhir/Observation", Body(body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resent.StatusCode, Is.EqualTo(HttpStatusCode.Created), await resent.Content.ReadAsStringAsync());
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await TemperaturesAtAsync(At.AddMinutes(10)), Is.EqualTo(1));
            Assert.That((await integration.PostAsync("/fhir", Body(transaction))).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [Test]
    public async Task ReadsSearchAndStatus_WhileTheDatabaseIsDown_Are503WithRetryAfter_AndWorkAgainAfterwards()
    {
        HttpResponseMessage read, search, status;
        using (Outage())
        {
            read = await nurse.GetAsync($"/fhir/Observation/{observationId}");
            search = await nurse.GetAsync("/fhir/Observation?patient=p-outage");
            status = await nurse.GetAsync("/api/patients/p-outage/status");
        }

        using (Assert.EnterMultipleScope())
        {
            await AssertUnavailableAsync(read);
            await AssertUnavailableAsync(search);
            Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await status.Content.ReadAsStringAsync());
            Assert.That(status.Headers.RetryAfter, Is.Not.Null);
        }

        await Ok(await nurse.GetAsync($"/fhir/Observation/{observationId}"));
        await Ok(await nurse.GetAsync("/api/patients/p-outage/status"));
    }

    [Test]
    public async Task Readiness_WhileTheDatabaseIsDown_IsUnhealthy_AndHealthyAfterwards()
    {
        using var anonymous = host.ClientWith(null);
        HttpResponseMessage down;
        using (Outage())
        {
            down = await anonymous.GetAsync("/health/ready");
        }

        Assert.That(down.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        await Ok(await anonymous.GetAsync("/health/ready"));
    }

    /// <summary>A 503 with Retry-After and an OperationOutcome (transient) a FHIR client can read.</summary>
    private static async Task AssertUnavailableAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var (outcome, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(text), "OperationOutcome");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
        Assert.That(response.Headers.RetryAfter, Is.Not.Null, "Retry-After");
        Assert.That(error, Is.Null, text);
        Assert.That(((OperationOutcome)outcome!).Issue.Select(i => i.Code), Is.All.EqualTo(OperationOutcome.IssueType.Transient));
    }

    private async Task<int> TemperaturesAtAsync(DateTimeOffset at)
    {
        var search = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient=p-outage&code=8310-5&date={Iso(at)}")))!;
        return search["total"]!.GetValue<int>();
    }

    /// <summary>Takes the database away until disposed.</summary>
    private Down Outage()
    {
        SqliteConnection.ClearAllPools();
        Directory.Move(folder, folder + "-away");
        return new Down(folder);
    }

    private sealed class Down(string folder) : IDisposable
    {
        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            Directory.Move(folder + "-away", folder);
        }
    }
}
