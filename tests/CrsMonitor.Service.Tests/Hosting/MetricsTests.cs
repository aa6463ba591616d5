using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Alerts;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// <c>GET /metrics</c> (issue 14, README "Observability"): scraped over real HTTP (Kestrel on a loopback port) after a
/// FHIR write, a refused write, an alert raised and pushed to a connected dashboard, an escalation and a monitoring
/// wake-up, every named series is there with a plausible value, and no patient id or unit appears anywhere in the
/// scrape. Only this machine may read it by default; a proxy's request, another network and <c>Telemetry:Metrics=false</c>
/// are refused.
/// </summary>
public sealed partial class MetricsTests
{
    private const string PatientId = "p-metrics-4711";
    private TestDatabase database = null!;

    [SetUp]
    public async Task CreateDatabaseAsync() => database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);

    [TearDown]
    public async Task DropDatabaseAsync() => await database.DisposeAsync();

    [Test]
    public async Task AScrape_AfterIngestAlertsAndAWakeUp_HasEveryNamedSeries_AndNoPatientData()
    {
        await using var host = Listening(database, Day);
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, PatientId, West);
        await using var dashboard = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));

        await ObservationAsync(integration, Temperature(PatientId, 38.6m, "Cel", Day.AddMinutes(-2)));
        await dashboard.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, PatientId: PatientId, Condition: "crs" }, "the CRS alert pushed");
        using (var refused = await integration.PostAsync("/fhir/Observation", Body("""{"resourceType":"Observation","status":"final"}""")))
        {
            Assert.That((int)refused.StatusCode, Is.EqualTo(422).Or.EqualTo(400));
        }

        // A dose opens the monitoring window; Quartz wakes it when the fake clock passes its first check.
        await PostAsync(integration, "MedicationAdministration", Tarlatamab(PatientId, Day.AddMinutes(-1), Day));
        host.Time.Advance(TimeSpan.FromMinutes(6));
        await SettleAsync(host);
        // The CRS alert escalates to the covering physician after 5 minutes (by the worker's timer on the stepped clock, or here).
        await host.Services.GetRequiredService<EscalationWorker>().RunOnceAsync(CancellationToken.None);
        // Past the window's first vital-signs check (due 4 h after the dose) and its overdue instant.
        var runs = host.Services.GetRequiredService<CrsMonitor.Service.Monitoring.Schedule.MonitoringRunner>();
        // Stepped by 30 s (less than the watchdog's 90 s lateness), so Quartz, not the watchdog, wakes it.
        host.Time.Advance(TimeSpan.FromHours(4));
        await SettleAsync(host);
        for (var step = 0; step < 240 && runs.WindowRuns == 0; step++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(30));
            await SettleAsync(host);
        }

        Assert.That(runs.WindowRuns, Is.GreaterThanOrEqualTo(1), "Quartz woke the window");

        var scrape = await ScrapeAsync(host);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Value(scrape, "crsmonitor_ingest_resources_total", ("fhir_resource_type", "Observation"), ("outcome", "created")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_ingest_resources_total", ("fhir_resource_type", "Observation"), ("outcome", "rejected")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_ingest_resources_total", ("fhir_resource_type", "Patient"), ("outcome", "created")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_ingest_readings_total", ("fhir_resource_type", "Observation")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_grading_duration_seconds_count"), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_sqlite_write_queue_depth"), Is.GreaterThanOrEqualTo(0));
            Assert.That(Value(scrape, "crsmonitor_alert_push_latency_seconds_count", ("kind", "alertRaised")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_alert_push_latency_seconds_sum", ("kind", "alertRaised")), Is.InRange(0, 60),
                "pushed within a minute of the commit on the (stepped) clock");
            Assert.That(Value(scrape, "crsmonitor_alert_escalations_total", ("tier", "1")), Is.GreaterThanOrEqualTo(1));
            Assert.That(Value(scrape, "crsmonitor_scheduler_lag_seconds_count"), Is.GreaterThanOrEqualTo(1), "a window wake-up fired");
            Assert.That(Value(scrape, "http_server_request_duration_seconds_count", ("http_route", "/fhir/{type}"), ("http_request_method", "POST")),
                Is.GreaterThanOrEqualTo(3));
            Assert.That(Value(scrape, "signalr_server_active_connections"), Is.GreaterThanOrEqualTo(1), "the dashboard is connected");
            Assert.That(scrape, Does.Contain("dotnet_gc_"), "the runtime's meter");

            Assert.That(scrape, Does.Not.Contain(PatientId), "no patient id in any series");
            Assert.That(scrape, Does.Not.Contain("p-metrics"));
            Assert.That(scrape, Does.Not.Contain("\"7W\""), "no unit label");
        }
    }

    [Test]
    public async Task Metrics_AreOnlyForAllowedNetworks_NeverThroughAProxy_AndCanBeSwitchedOff()
    {
        await using (var host = Listening(database, Day))
        {
            using var relayed = new HttpRequestMessage(HttpMethod.Get, new Uri(Address(host), "/metrics"));
            relayed.Headers.Add("X-Forwarded-For", "10.1.2.3");
            using var client = new HttpClient();
            using var answer = await client.SendAsync(relayed);
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a request relayed by a proxy on this machine");
        }

        await using (var host = Listening(database, Day, new Dictionary<string, string?> { ["Telemetry:MetricsAllowedNetworks:0"] = "10.20.0.0/16" }))
        {
            using var client = new HttpClient();
            using var answer = await client.GetAsync(new Uri(Address(host), "/metrics"));
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "loopback is not in a configured list that leaves it out");
            Assert.That(await answer.Content.ReadAsStringAsync(), Does.Contain("Telemetry:MetricsAllowedNetworks"));
        }

        await using (var host = Listening(database, Day, new Dictionary<string, string?> { ["Telemetry:Metrics"] = "false" }))
        {
            using var client = new HttpClient();
            using var answer = await client.GetAsync(new Uri(Address(host), "/metrics"));
            Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    private static async Task<string> ScrapeAsync(ServiceHost host)
    {
        using var client = new HttpClient(); // no token: Prometheus sends none
        using var answer = await client.GetAsync(new Uri(Address(host), "/metrics"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        Assert.That(answer.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        return text;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/>; fails when there is none.</summary>
    private static double Value(string scrape, string name, params (string Key, string Value)[] labels)
    {
        var samples = Sample().Matches(scrape)
            .Where(m => m.Groups["name"].Value == name)
            .Where(m => labels.All(l => m.Groups["labels"].Value.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Select(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture))
            .ToList();
        Assert.That(samples, Is.Not.Empty, () => $"no sample of {name} with {string.Join(", ", labels)} in the scrape:\n{string.Join('\n', scrape.Split('\n').Where(l => l.StartsWith(name.Split('_')[0], StringComparison.Ordinal)))}");
        return samples.Sum();
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^""}]|""[^""]*"")*)\})? (?<value>[^ \n]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
