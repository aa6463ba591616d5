using System.Net;
using System.Net.Http.Headers;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// Behind a load balancer (issue 14, deploy/nginx): <c>Proxy:TrustedNetworks</c> names the proxies whose
/// X-Forwarded-For and X-Forwarded-Proto are believed, so the audit records the nurse's workstation, not nginx, and a
/// dashboard served over TLS ended at the proxy may open the hub (same origin, https). Without the setting no
/// forwarded header is believed, so nobody can pick the address the audit records. Kestrel on a loopback port.
/// </summary>
public sealed class TrustedProxyTests
{
    private const string Workstation = "203.0.113.7";

    [TestCase(true, Workstation, TestName = "From a trusted proxy: the audit records the client it forwards")]
    [TestCase(false, "127.0.0.1", TestName = "With no trusted proxy: a forwarded address is ignored, the audit records the connection's")]
    public async Task TheAuditRecordsTheForwardedClient_OnlyFromATrustedProxy(bool trusted, string recorded)
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var host = Listening(database, Day, trusted ? new Dictionary<string, string?> { ["Proxy:TrustedNetworks:0"] = "127.0.0.1/32" } : null);
        using var client = new HttpClient { BaseAddress = Address(host) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.TokenFor("nurse", West));
        client.DefaultRequestHeaders.Add("X-Forwarded-For", Workstation);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        using var response = await client.GetAsync("/fhir/Patient/p-proxy");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var row = (await AuditRowsAsync(host, "fhir.read", 1)).Single();
        Assert.That(row.RemoteAddress, Is.EqualTo(recorded));
    }

    [Test]
    public async Task ADashboardServedOverTlsAtTheProxy_MayOpenTheHub_ASpoofedSchemeFromElsewhereMayNot()
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var host = Listening(database, Day, new Dictionary<string, string?> { ["Proxy:TrustedNetworks:0"] = "127.0.0.1/32" });
        await using var untrusting = Listening(database, Day);
        foreach (var (node, status) in new[] { (host, HttpStatusCode.OK), (untrusting, HttpStatusCode.Forbidden) })
        {
            var address = Address(node);
            using var client = new HttpClient { BaseAddress = address };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/alerts/negotiate?negotiateVersion=1");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.TokenFor("nurse", West));
            request.Headers.Add("Origin", $"https://{address.Authority}");
            request.Headers.Add("X-Forwarded-Proto", "https");
            using var response = await client.SendAsync(request);
            Assert.That(response.StatusCode, Is.EqualTo(status), status == HttpStatusCode.OK ? "trusted proxy: https is this origin" : "not trusted: an https origin is another origin");
        }
    }
}
