using System.Net;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// Hub hardening (reliability-security.md): an Origin that is neither the service's own nor on Alerts:AllowedOrigins
/// gets 403 on negotiate and on the WebSocket itself; the same origin and allow-listed origins work. A browser sends
/// its token as access_token in the query string: accepted on the hub's path only, and never written to a log, even
/// with every category logging at Information.
/// </summary>
public sealed class HubSecurityTests
{
    private const string Allowed = "https://ward.example.org";
    private const string Evil = "https://evil.example.com";

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private CapturedLogs logs = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        logs = new CapturedLogs();
        host = Listening(
            database,
            Day,
            new Dictionary<string, string?>
            {
                ["Alerts:AllowedOrigins:0"] = Allowed,

                // Everything at Information, Microsoft.AspNetCore's request logs included (an operator turning them on).
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
            },
            s =>
            {
                s.AddSingleton<ILoggerProvider>(logs);
                s.PostConfigure<LoggerFilterOptions>(o =>
                {
                    o.MinLevel = LogLevel.Information;
                    o.Rules.Clear();
                });
            });
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, "p-sec", West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
        logs.Dispose();
    }

    private async Task<HttpStatusCode> NegotiateAsync(string? origin, string token)
    {
        using var client = new HttpClient { BaseAddress = Address(host) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/alerts/negotiate?negotiateVersion=1");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Test]
    public async Task Origin_NotAllowListed_Gets403_OnNegotiateAndOnTheWebSocket_OwnAndAllowListedOriginsWork()
    {
        var token = host.TokenFor("nurse", West);
        var own = Address(host).GetLeftPart(UriPartial.Authority);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await NegotiateAsync(Evil, token), Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await NegotiateAsync("null", token), Is.EqualTo(HttpStatusCode.Forbidden), "a sandboxed page's Origin: null");
            Assert.That(await NegotiateAsync(own.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), token), Is.EqualTo(HttpStatusCode.Forbidden), "another host name is another origin");
            Assert.That(await NegotiateAsync(own, token), Is.EqualTo(HttpStatusCode.OK), "the service's own origin");
            Assert.That(await NegotiateAsync(Allowed, token), Is.EqualTo(HttpStatusCode.OK), "allow-listed");
            Assert.That(await NegotiateAsync(Allowed.ToUpperInvariant(), token), Is.EqualTo(HttpStatusCode.OK), "origins compare without case");
            Assert.That(await NegotiateAsync(null, token), Is.EqualTo(HttpStatusCode.OK), "no Origin: not a browser");
        }

        // The .NET client through negotiate, and straight to the WebSocket (a browser may skip negotiate).
        void From(Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions o, string origin) => o.Headers["Origin"] = origin;
        var refused = await Assert.ThrowsAsync<HttpRequestException>(async () => await AlertListener.ConnectAsync(host, token, o => From(o, Evil)));
        Assert.That(refused!.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var socket = await Assert.CatchAsync(async () => await AlertListener.ConnectAsync(host, token, o =>
        {
            From(o, Evil);
            o.SkipNegotiation = true;
            o.Transports = HttpTransportType.WebSockets;
        }));
        Assert.That(socket!.ToString(), Does.Contain("403"));

        await using var allowed = await AlertListener.ConnectAsync(host, token, o =>
        {
            From(o, Allowed);
            o.SkipNegotiation = true;
            o.Transports = HttpTransportType.WebSockets;
        });
        await using var same = await AlertListener.ConnectAsync(host, token, o => From(o, own));
        using (var integration = FreshClient(host, "integration"))
        {
            await ObservationAsync(integration, Temperature("p-sec", 38.3m, "Cel", Day.AddMinutes(-1)));
        }

        await allowed.WaitForAlertAsync(e => e.Condition == "crs", "the alert on the allow-listed origin's connection");
        await same.WaitForAlertAsync(e => e.Condition == "crs", "the alert on the same origin's connection");
    }

    [Test]
    public async Task AHubMessageOver32KB_ClosesTheConnection_ASmallOneIsAnswered()
    {
        await using var client = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Connection.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        Assert.That((await client.ResumeAsync(new Dictionary<string, long> { [West] = 0 })).Keys, Is.EqualTo(new[] { West }));

        var huge = Enumerable.Range(0, 2_000).ToDictionary(i => $"unit-{i:D5}-{new string('x', 20)}", i => (long)i);
        Assert.That(System.Text.Json.JsonSerializer.Serialize(huge).Length, Is.GreaterThan(32 * 1024));
        await Assert.ThatAsync(() => client.ResumeAsync(huge), Throws.Exception);
        Assert.That(await closed.Task.WaitAsync(Patience), Is.Not.Null, "the server closed the connection with an error");
    }

    [Test]
    public async Task AccessTokenInTheQuery_ConnectsTheHub_ButNeverAppearsInTheLogs_AndWorksOnTheHubPathOnly()
    {
        var token = host.Token("--role", "nurse", "--unit", West, "--sub", "nurse-browser");
        var query = $"access_token={Uri.EscapeDataString(token)}";

        // As a browser does, over negotiate + WebSocket, and over long polling: no Authorization header, the token in the URL.
        await using var browser = await AlertListener.ConnectAsync(host, token: null, query: query);
        await using var polling = await AlertListener.ConnectAsync(host, token: null, o => o.Transports = HttpTransportType.LongPolling, query);
        using (var integration = FreshClient(host, "integration"))
        {
            await ObservationAsync(integration, Temperature("p-sec", 38.3m, "Cel", Day.AddMinutes(-1)));
        }

        await browser.WaitForAlertAsync(e => e.Condition == "crs", "the alert for the browser-style client");
        await polling.WaitForAlertAsync(e => e.Condition == "crs", "the alert for the long-polling client");
        await browser.ResumeAsync(new Dictionary<string, long> { [West] = 0 });
        await browser.Connection.StopAsync();
        await polling.Connection.StopAsync();

        // Not a way in anywhere else.
        using var plain = new HttpClient { BaseAddress = Address(host) };
        var me = await plain.GetAsync($"/api/me?{query}");
        var alerts = await plain.GetAsync($"/api/units/{West}/alerts?{query}");

        // A failed hub request with the token in the URL (an unknown connection id) is not logged with it either.
        var unknown = await plain.PostAsync($"/hubs/alerts?id=no-such-connection&{query}", new StringContent("{}"));

        var lines = logs.Lines;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(me.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "access_token is read on the hub's path only");
            Assert.That(alerts.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(unknown.StatusCode, Is.Not.EqualTo(HttpStatusCode.OK));
            Assert.That(lines.Any(l => l.Contains("/hubs/alerts", StringComparison.Ordinal)), Is.True,
                "the capture sees the hub's request logs (otherwise this test could not fail)");
            Assert.That(lines.Where(l => l.Contains(token, StringComparison.Ordinal) || l.Contains(Uri.EscapeDataString(token), StringComparison.Ordinal)), Is.Empty,
                "the token appears in no log line");
            Assert.That(lines.Where(l => l.Contains(token.Split('.')[2], StringComparison.Ordinal)), Is.Empty, "not even its signature");
            Assert.That(lines.Where(l => l.Contains("/hubs/alerts/negotiate?access_token=[redacted]", StringComparison.Ordinal)), Is.Not.Empty,
                "the request log is kept, with the token replaced");
        }
    }
}
