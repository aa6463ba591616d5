using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;

namespace CrsMonitor.Service.Tests.Hosting;

public sealed class HealthTests
{
    [TestCase("/health/live")]
    [TestCase("/health/ready")]
    public async Task Health_IsAnonymous_AndSaysHealthy(string path)
    {
        using var host = new ServiceHost();
        using var client = host.ClientWith(null);
        using var response = await client.GetAsync(path);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body["status"]!.GetValue<string>(), Is.EqualTo("healthy"));
        }
    }

    [Test]
    public async Task Ready_ChecksTheDataFolderTheSigningKeyTheDatabaseAndTheScheduler()
    {
        using var host = new ServiceHost();
        using var client = host.ClientWith(null);
        var body = JsonNode.Parse(await client.GetStringAsync("/health/ready"))!;
        Assert.That(body["checks"]!.AsObject().Select(c => c.Key), Is.EquivalentTo(new[] { "data-directory", "signing-key", "database", "scheduler" }));
    }

    [Test]
    public async Task Ready_KeyFileDeletedWhileRunning_Is503()
    {
        using var host = new ServiceHost();
        using var client = host.ClientWith(null);
        using (var before = await client.GetAsync("/health/ready"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        File.Delete(Path.Combine(host.Data.Path, DevSigningKey.FileName));
        using var response = await client.GetAsync("/health/ready");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(body["checks"]!["signing-key"]!["status"]!.GetValue<string>(), Is.EqualTo("unhealthy"));
        }
    }

    [Test]
    public async Task Live_DoesNotRunTheReadinessChecks()
    {
        using var host = new ServiceHost();
        using var client = host.ClientWith(null);
        _ = await client.GetAsync("/health/ready");
        File.Delete(Path.Combine(host.Data.Path, DevSigningKey.FileName));
        using var response = await client.GetAsync("/health/live");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}
