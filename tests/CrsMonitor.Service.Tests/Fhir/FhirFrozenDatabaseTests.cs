using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Hl7.Fhir.Model;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// A frozen database (issue 10): the test PostgreSQL's processes are stopped with SIGSTOP, so connections are accepted
/// and never answered. A FHIR write answers 503 + Retry-After (OperationOutcome) and <c>/health/ready</c> answers 503,
/// each within seconds (the host's Storage timeouts are 2 s); after SIGCONT the service works again by itself and
/// nothing accepted is lost. Waiting for these real timeouts is the test; nothing sleeps.
/// </summary>
public sealed class FhirFrozenDatabaseTests
{
    private const string Patient = "p-frozen";

    /// <summary>Statement timeout 2 s + Npgsql's 1 s cancellation wait, for the write and again for its audit row, with room to spare.</summary>
    private static readonly TimeSpan WriteBound = TimeSpan.FromSeconds(12);

    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(4);
    private static readonly DateTimeOffset At = ServiceHost.Start.AddHours(-1);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        var settings = database.HostSettings;
        settings["Storage:CommandTimeoutSeconds"] = "2";
        settings["Storage:ConnectTimeoutSeconds"] = "2";
        settings["Storage:HealthProbeTimeoutSeconds"] = "2";
        host = new ServiceHost(settings);
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, Patient, "7W");
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature(Patient, 37.2m, "Cel", At, "before-freeze"))));
        using var anonymous = host.ClientWith(null);
        await Ok(await anonymous.GetAsync("/health/ready"));
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task FhirWrite_WhileTheDatabaseIsFrozen_Is503WithinSeconds_AndAResendAfterwardsIsStoredOnce()
    {
        var body = Temperature(Patient, 38.6m, "Cel", At.AddMinutes(10), "during-freeze");
        HttpResponseMessage refused;
        TimeSpan took;
        var server = await PostgresServer.StartedAsync();
        using (server.Freeze())
        {
            var clock = Stopwatch.StartNew();
            refused = await integration.PostAsync("/fhir/Observation", Body(body));
            await refused.Content.LoadIntoBufferAsync();
            took = clock.Elapsed;
        }

        await TestContext.Out.WriteLineAsync($"503 for a write while frozen after {took.TotalSeconds:0.0} s");
        var text = await refused.Content.ReadAsStringAsync();
        var (outcome, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(text), "OperationOutcome");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), text);
            Assert.That(refused.Headers.RetryAfter, Is.Not.Null, "Retry-After");
            Assert.That(error, Is.Null, text);
            Assert.That(((OperationOutcome)outcome!).Issue.Select(i => i.Code), Is.All.EqualTo(OperationOutcome.IssueType.Transient));
            Assert.That(took, Is.LessThan(WriteBound), "answered within seconds, not held while frozen");
        }

        using var resent = await integration.PostAsync("/fhir/Observation", Body(body));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resent.StatusCode, Is.EqualTo(HttpStatusCode.Created), await resent.Content.ReadAsStringAsync());
            Assert.That(await TemperaturesAsync(), Is.EquivalentTo(new[] { 37.2m, 38.6m }), "the earlier reading kept, the resend stored once");
        }
    }

    [Test]
    public async Task Readiness_WhileTheDatabaseIsFrozen_Is503WithinSeconds_AndReadyAfterwards()
    {
        using var anonymous = host.ClientWith(null);
        HttpResponseMessage frozen;
        TimeSpan took;
        var server = await PostgresServer.StartedAsync();
        using (server.Freeze())
        {
            var clock = Stopwatch.StartNew();
            frozen = await anonymous.GetAsync("/health/ready");
            await frozen.Content.LoadIntoBufferAsync();
            took = clock.Elapsed;
        }

        await TestContext.Out.WriteLineAsync($"/health/ready while frozen answered after {took.TotalSeconds:0.0} s");
        var checks = JsonNode.Parse(await frozen.Content.ReadAsStringAsync())!["checks"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(frozen.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(checks["database"]!["status"]!.GetValue<string>(), Is.EqualTo("unhealthy"));
            Assert.That(took, Is.LessThan(ReadyBound), "unready within seconds, not held while frozen");
        }

        using var thawed = await anonymous.GetAsync("/health/ready");
        Assert.That(thawed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await thawed.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Sqlite_WriteLockHeldByAnotherProcess_Writes503_AndReadinessUnready_UntilItIsGivenUp()
    {
        await using var sqlite = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var settings = sqlite.HostSettings;
        settings["Storage:CommandTimeoutSeconds"] = "1";
        using var local = new ServiceHost(settings);
        using var feed = local.ClientFor("integration");
        using var anonymous = local.ClientWith(null);
        await AdmitAsync(feed, Patient, "7W");
        var body = Temperature(Patient, 38.6m, "Cel", At.AddMinutes(10), "while-locked");
        HttpResponseMessage refused, unready;
        await using (var other = new Microsoft.Data.Sqlite.SqliteConnection(sqlite.ConnectionString))
        {
            await other.OpenAsync();
            await using var holding = await other.BeginTransactionAsync(); // BEGIN IMMEDIATE: the write lock until disposed
            refused = await feed.PostAsync("/fhir/Observation", Body(body));
            unready = await anonymous.GetAsync("/health/ready");
        }

        using var resent = await feed.PostAsync("/fhir/Observation", Body(body));
        using var ready = await anonymous.GetAsync("/health/ready");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await refused.Content.ReadAsStringAsync());
            Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
            Assert.That(unready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "reads work, writes do not: not ready");
            Assert.That(resent.StatusCode, Is.EqualTo(HttpStatusCode.Created), await resent.Content.ReadAsStringAsync());
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "ready again once a write has committed");
        }

        refused.Dispose();
        unready.Dispose();
    }

    private async Task<IReadOnlyList<decimal>> TemperaturesAsync()
    {
        var bundle = JsonNode.Parse(await Ok(await nurse.GetAsync($"/fhir/Observation?patient={Patient}&code=8310-5")))!;
        return [.. bundle["entry"]!.AsArray().Select(e => e!["resource"]!["valueQuantity"]!["value"]!.GetValue<decimal>())];
    }
}
