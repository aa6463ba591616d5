using System.Net.Sockets;
using System.Text;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Alerts;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirAssert;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// Refusals before any endpoint runs (issue 10), over real HTTP to Kestrel on a loopback port: an address or headers
/// over the service's limits are 414 / 431 with an OperationOutcome under /fhir (problem+json elsewhere), because
/// Kestrel's own limits sit above the service's; unmatched /fhir routes are 404 / 405 OperationOutcomes. What Kestrel
/// refuses itself (beyond its limits, a malformed request line, a NUL in the path) gets its bare 4xx: never a 5xx.
/// </summary>
public sealed class RequestLimitTests
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        host = AlertKit.Listening(database, ServiceHost.Start);
        client = new HttpClient { BaseAddress = AlertKit.Address(host) };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task AddressOverTheLimit_UnderFhir_Is414WithAnOperationOutcome()
    {
        var response = await client.GetAsync($"/fhir/Observation?patient=p1&code={new string('a', RequestLimits.MaxTargetLength)}");
        var outcome = await OutcomeAsync(response, 414);
        Assert.That(outcome.Issue[0].Diagnostics, Does.Contain("8 KB"));
    }

    [Test]
    public async Task AddressOverTheLimit_UnderApi_Is414ProblemJson()
    {
        var response = await client.GetAsync($"/api/units/7W/patients?x={new string('a', RequestLimits.MaxTargetLength)}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(414));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }
    }

    [Test]
    public async Task AddressJustUnderTheLimit_IsNotRefusedForLength()
    {
        var path = "/fhir/Observation?patient=p1&code=";
        var response = await client.GetAsync(path + new string('a', RequestLimits.MaxTargetLength - path.Length));
        Assert.That((int)response.StatusCode, Is.EqualTo(401), "refused for the missing token, not the length");
    }

    [Test]
    public async Task HeadersOverTheLimit_UnderFhir_Is431WithAnOperationOutcome()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/metadata");
        request.Headers.Add("X-Padding", new string('a', RequestLimits.MaxHeaderBytes));
        var outcome = await OutcomeAsync(await client.SendAsync(request), 431);
        Assert.That(outcome.Issue[0].Diagnostics, Does.Contain("32 KB"));
    }

    [Test]
    public async Task BeyondKestrelsOwnLimits_IsKestrels414Or431_NeverA5xx()
    {
        var longAddress = await client.GetAsync($"/fhir/Observation?code={new string('a', RequestLimits.KestrelMaxRequestLine)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/metadata");
        request.Headers.Add("X-Padding", new string('a', RequestLimits.KestrelMaxHeaderBytes));
        var largeHeaders = await client.SendAsync(request);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((int)longAddress.StatusCode, Is.EqualTo(414));
            Assert.That((int)largeHeaders.StatusCode, Is.EqualTo(431));
        }
    }

    [TestCase("GET", "/fhir/Observation/x/_history", 404)]
    [TestCase("GET", "/fhir/Observation/x/_history/1/extra", 404)]
    [TestCase("DELETE", "/fhir/Observation/x", 405)]
    [TestCase("PATCH", "/fhir/Observation/x", 405)]
    [TestCase("GET", "/fhir/", 405)]
    public async Task UnmatchedFhirRoutes_AreOperationOutcomes(string method, string path, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", host.TokenFor("nurse", "7W"));
        await OutcomeAsync(await client.SendAsync(request), status);
    }

    [TestCase("GET /fhir/a b HTTP/1.1")]
    [TestCase("GET /fhir/Observation/a%00b HTTP/1.1")]
    [TestCase("GET fhir HTTP/1.1")]
    public async Task MalformedRequestLine_IsKestrels400_NeverA5xx(string requestLine)
    {
        var status = await RawStatusLineAsync($"{requestLine}\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.That(status, Does.Match(@"^HTTP/1\.1 4\d\d "));
    }

    /// <summary>Sends raw bytes over a TCP connection and returns the first line of the answer.</summary>
    private async Task<string> RawStatusLineAsync(string request)
    {
        var address = AlertKit.Address(host);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync() ?? string.Empty;
    }
}
