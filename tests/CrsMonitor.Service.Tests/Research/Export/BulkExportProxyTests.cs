using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Research.Export.ExportKit;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// Behind the hospital's proxy (TLS ended there, <c>Proxy:TrustedNetworks</c>): the status address of a kick-off, the
/// manifest's <c>request</c> and its file URLs are absolute on the address the researcher used (https, the public host
/// name), as the FHIR write answers' Location is. Kestrel on a loopback port.
/// </summary>
public sealed class BulkExportProxyTests
{
    [Test]
    public async Task EveryAddressAnExportAnswers_IsOnTheAddressTheClientUsed()
    {
        await using var database = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var host = Listening(database, ServiceHost.Start, new Dictionary<string, string?> { ["Proxy:TrustedNetworks:0"] = "127.0.0.1/32" },
            services => services.AddSingleton<IResearchExportContent>(new TestExportContent()));
        using var client = new HttpClient { BaseAddress = Address(host) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Token("--role", Roles.Researcher, "--sub", "r-proxy"));
        client.DefaultRequestHeaders.Host = "crs.example.org";
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");

        var (status, id) = await KickedOffAsync(client, "?_type=AdverseEvent");
        Assert.That(status.ToString(), Is.EqualTo($"https://crs.example.org/fhir/$export-status/{id}"));
        await WaitForAsync(host, id, ExportStatus.Completed);
        var manifest = JsonNode.Parse(await (await StatusAsync(client, id)).Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(manifest["request"]!.GetValue<string>(), Is.EqualTo("https://crs.example.org/fhir/$export?_type=AdverseEvent"));
            Assert.That(manifest["output"]!.AsArray().Single()!["url"]!.GetValue<string>(), Is.EqualTo($"https://crs.example.org/fhir/$export-file/{id}/AdverseEvent-1.ndjson"));
        }
    }
}
