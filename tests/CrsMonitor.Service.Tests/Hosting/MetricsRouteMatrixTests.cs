using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// <c>GET /metrics</c> in the authorization matrix: every role, of the patient's unit and of another, and no token at
/// all get the same answer, because the route is decided by the caller's network, never by a token (Prometheus sends
/// none, and a token must neither open nor widen it): the scrape from an allowed network (no patient or unit in it,
/// whoever asks), a problem body naming the setting on every refusal (another network, a relayed request, metrics
/// switched off). It reads no patient data, so it writes no audit row, for anyone.
/// </summary>
public sealed class MetricsRouteMatrixTests
{
    private static readonly (string Name, string[]? Token)[] Callers =
    [
        ("nurse of 7W", ["--role", "nurse", "--unit", West]),
        ("nurse of 5E", ["--role", "nurse", "--unit", East]),
        ("physician of 7W", ["--role", "physician", "--unit", West]),
        ("physician of 5E", ["--role", "physician", "--unit", East]),
        ("integration", ["--role", "integration"]),
        ("admin", ["--role", "admin"]),
        ("no token", null),
    ];

    private TestDatabase database = null!;

    [SetUp]
    public async Task CreateDatabaseAsync() => database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);

    [TearDown]
    public async Task DropDatabaseAsync() => await database.DisposeAsync();

    [Test]
    public async Task EveryRoleAndNoToken_GetTheSameScrape_WithNoPatientOrUnit_AndNoAuditRow()
    {
        await using var host = Listening(database, Day);
        using (var feed = FreshClient(host, "integration"))
        {
            await AdmitAsync(feed, "p-metrics-matrix", West);
            await ObservationAsync(feed, Temperature("p-metrics-matrix", 38.6m, "Cel", Day.AddMinutes(-5)));
        }

        var audited = await AuditCountAsync(host);
        foreach (var (name, token) in Callers)
        {
            using var answer = await GetAsync(host, token);
            var text = await answer.Content.ReadAsStringAsync();
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), name);
            Assert.That(text, Does.Contain("crsmonitor_ingest_resources_total"), name);
            Assert.That(text, Does.Not.Contain("p-metrics-matrix").And.Not.Contain("\"7W\"").And.Not.Contain("\"5E\""), $"{name}: no patient, no unit");
        }

        Assert.That(await AuditCountAsync(host), Is.EqualTo(audited), "no patient data read: no audit row, for anyone");
    }

    [TestCase("another network", TestName = "From a network not allowed: every role and no token get 403 with a problem body naming the setting")]
    [TestCase("relayed", TestName = "Relayed by a proxy: every role and no token get 403 with a problem body naming the setting")]
    [TestCase("switched off", TestName = "Switched off: every role and no token get 404 with a problem body naming the setting")]
    public async Task EveryRefusal_IsTheSameForEveryRole_WithAProblemBody(string refusal)
    {
        var settings = refusal switch
        {
            "another network" => new Dictionary<string, string?> { ["Telemetry:MetricsAllowedNetworks:0"] = "10.20.0.0/16" },
            "switched off" => new Dictionary<string, string?> { ["Telemetry:Metrics"] = "false" },
            _ => null,
        };
        var (status, setting) = refusal == "switched off"
            ? (HttpStatusCode.NotFound, "Telemetry:Metrics")
            : (HttpStatusCode.Forbidden, "Telemetry:MetricsAllowedNetworks");
        await using var host = Listening(database, Day, settings);
        foreach (var (name, token) in Callers)
        {
            using var answer = await GetAsync(host, token, relayed: refusal == "relayed");
            Assert.That(answer.StatusCode, Is.EqualTo(status), name);
            Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), name);
            using var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
            Assert.That(problem.RootElement.GetProperty("status").GetInt32(), Is.EqualTo((int)status), name);
            Assert.That(problem.RootElement.GetProperty("detail").GetString(), Does.Contain(setting), name);
        }
    }

    private static async Task<HttpResponseMessage> GetAsync(ServiceHost host, string[]? token, bool relayed = false)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Address(host), "/metrics"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Token(token));
        }

        if (relayed)
        {
            request.Headers.Add("X-Forwarded-For", "10.1.2.3");
        }

        return await client.SendAsync(request);
    }

    private static async Task<int> AuditCountAsync(ServiceHost host)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return (await AuditStore.RecentAsync(connection, 100_000, CancellationToken.None)).Count;
    }
}
