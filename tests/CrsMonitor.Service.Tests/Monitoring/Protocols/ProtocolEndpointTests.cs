using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Monitoring.Protocols;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace CrsMonitor.Service.Tests.Monitoring.Protocols;

/// <summary>
/// <c>GET /api/protocols</c> and <c>GET /api/protocols/{id}</c> over HTTP: administrators only (least privilege:
/// nurses, physicians and integration clients get 403; no token 401), audited; and a broken protocol file stops the
/// service. Needs Program.cs to call <c>builder.Services.AddProtocols()</c> and <c>app.MapProtocolEndpoints()</c>.
/// </summary>
public sealed class ProtocolEndpointTests
{
    private const string List = "/api/protocols";
    private const string Tarlatamab = "/api/protocols/tarlatamab-us-2025-11";
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public void StartHost() => host = new ServiceHost();

    [OneTimeTearDown]
    public void StopHost() => host.Dispose();

    [Test]
    public async Task List_Admin_Is200WithEveryVersion()
    {
        using var client = host.ClientFor("admin");
        using var response = await client.GetAsync(List);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), Wired(response));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(body["defaultJurisdiction"]!.GetValue<string>(), Is.EqualTo("US"));
        var protocols = body["protocols"]!.AsArray();
        Assert.That(protocols.Select(p => p!["id"]!.GetValue<string>()), Is.EquivalentTo(new[]
        {
            "elranatamab-us-2025-11", "epcoritamab-us-2025-11", "glofitamab-us-2025-11", "tarlatamab-us-2025-11", "teclistamab-us-2025-11",
        }));
        var tarlatamab = protocols.Single(p => p!["id"]!.GetValue<string>() == "tarlatamab-us-2025-11")!;
        Assert.That(tarlatamab["drug"]!.GetValue<string>(), Is.EqualTo("tarlatamab"));
        Assert.That(tarlatamab["version"]!.GetValue<string>(), Is.EqualTo("2025-11"));
        Assert.That(tarlatamab["jurisdiction"]!.GetValue<string>(), Is.EqualTo("US"));
        Assert.That(tarlatamab["effectiveFrom"]!.GetValue<string>(), Is.EqualTo("2025-11-01"));
        Assert.That(tarlatamab["effectiveUntil"], Is.Null);
        Assert.That(tarlatamab["source"]!["document"]!.GetValue<string>(), Does.StartWith("IMDELLTRA"));
        Assert.That(tarlatamab["sha256"]!.GetValue<string>(), Has.Length.EqualTo(64));
    }

    [Test]
    public async Task Read_Admin_Is200WithTheFileAsPublished()
    {
        using var client = host.ClientFor("admin");
        using var response = await client.GetAsync(Tarlatamab);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), Wired(response));
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/json"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(),
            Is.EqualTo(await File.ReadAllBytesAsync(Path.Combine(ProtocolLoader.DefaultDirectory, "tarlatamab-us-2025-11.json"))));
        Assert.That(response.Headers.ETag!.Tag, Has.Length.EqualTo(66));
    }

    [Test]
    public async Task Read_UnknownId_Is404()
    {
        using var client = host.ClientFor("admin");
        using var response = await client.GetAsync("/api/protocols/tarlatamab-us-1999-01");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("is not loaded"));
    }

    [Test]
    public async Task List_IsAudited()
    {
        using var client = host.ClientFor("admin");
        using var response = await client.GetAsync(List);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), Wired(response));
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var rows = await AuditStore.RecentAsync(connection, 1000, CancellationToken.None);
        Assert.That(rows.Where(r => r.Action == "protocol.list" && r.Outcome == "success" && r.Role == "admin"), Is.Not.Empty);
    }

    [TestCase("nurse", List)]
    [TestCase("nurse", Tarlatamab)]
    [TestCase("physician", List)]
    [TestCase("physician", Tarlatamab)]
    [TestCase("integration", List)]
    [TestCase("integration", Tarlatamab)]
    public async Task NotAdmin_Is403(string role, string path)
    {
        using var client = role == "integration" ? host.ClientFor(role) : host.ClientFor(role, "7W");
        using var response = await client.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), Wired(response));
    }

    [TestCase(List)]
    [TestCase(Tarlatamab)]
    public async Task NoToken_Is401(string path)
    {
        using var client = host.ClientWith(null);
        using var response = await client.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public void BrokenProtocolFile_StopsStartUpNamingFilePathAndProblem()
    {
        using var folder = new ProtocolFolder();
        folder.Edit(ProtocolFolder.Tarlatamab, p => p["windows"]![0]!["minHours"] = 30);
        using var broken = new ServiceHost(new Dictionary<string, string?> { ["Protocols:Directory"] = folder.Path });
        var error = Assert.Catch(() => broken.CreateClient().Dispose());
        Assert.That(error, Is.InstanceOf<StartupConfigurationException>(), error?.ToString());
        Assert.That(error!.Message, Is.EqualTo($"Protocol file {folder.FileOf(ProtocolFolder.Tarlatamab)}: $.windows[0].minHours: 30 is above maxHours 24"));
    }

    [Test]
    public void UnknownProtocolsSetting_StopsStartUp()
    {
        using var broken = new ServiceHost(new Dictionary<string, string?> { ["Protocols:Jurisdiction"] = "usa" });
        var error = Assert.Catch(() => broken.CreateClient().Dispose());
        Assert.That(error!.Message, Does.Contain("Protocols:Jurisdiction"));
    }

    /// <summary>A 404 on these addresses means the endpoints are not mapped: say what is missing.</summary>
    private static string Wired(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.NotFound
            ? "404: Program.cs must call builder.Services.AddProtocols() and app.MapProtocolEndpoints()"
            : $"status {(int)response.StatusCode}";
}
