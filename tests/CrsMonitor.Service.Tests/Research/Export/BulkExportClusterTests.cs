using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Research.Export.ExportKit;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// Two nodes (two service hosts, each with its own worker and clock) on one PostgreSQL database: an export built on one
/// node is served by the other (status, manifest and files byte for byte, its files being rows); a DELETE on the other
/// node stops the build at the builder's next claim refresh; a node that stops gives its export back to the queue and
/// the other node builds it.
/// </summary>
public sealed class BulkExportClusterTests
{
    private TestExportContent contentA = null!;
    private TestExportContent contentB = null!;
    private TestDatabase database = null!;
    private ServiceHost nodeA = null!;
    private ServiceHost nodeB = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        contentA = new TestExportContent();
        contentB = new TestExportContent();
        nodeA = Node(contentA);
        nodeB = Node(contentB);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await nodeA.DisposeAsync();
        await nodeB.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task AnExportBuiltOnNodeA_IsServedByNodeB_StatusManifestAndFiles()
    {
        contentB.Answer((_, _) => throw new InvalidOperationException("node B must not build this export"));
        using var onA = Researcher(nodeA, "r-cluster");
        using var onB = Researcher(nodeB, "r-cluster");
        var (_, id) = await KickedOffAsync(onA, "?_type=AdverseEvent,Observation");
        var job = await WaitForAsync(nodeA, id, ExportStatus.Completed);
        Assert.That(job.ClaimedBy, Does.StartWith(nodeA.Services.GetRequiredService<ExportWorker>().NodeName + "/"), "node A, woken by its kick-off, built it");

        using var status = await StatusAsync(onB, id);
        var manifest = JsonNode.Parse(await status.Content.ReadAsStringAsync())!;
        Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var outputs = manifest["output"]!.AsArray().Select(o => o!["url"]!.GetValue<string>()).ToList();
        Assert.That(outputs, Has.Count.EqualTo(3));
        var expected = new[] { TestExportContent.AdverseEvents, TestExportContent.ObservationsFirst, TestExportContent.ObservationsSecond };
        for (var i = 0; i < outputs.Count; i++)
        {
            using var file = await FileAsync(onB, outputs[i]);
            Assert.That(await file.Content.ReadAsByteArrayAsync(), Is.EqualTo(TestExportContent.FileBytes(expected[i])), outputs[i]);
        }

        using var deleted = await DeleteAsync(onB, id);
        Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(await RefusedAsync(await StatusAsync(onA, id), 404), Is.EqualTo(new[] { "$export-status" }), "deleted on B, gone on A");
        Assert.That(contentB.Scopes, Is.Empty);
    }

    [Test]
    public async Task ADeleteOnNodeB_StopsTheBuildOnNodeA_AtItsNextClaimRefresh()
    {
        var gate = new BuildGate();
        contentA.Answer(gate.BuildAsync);
        using var onA = Researcher(nodeA, "r-cluster");
        using var onB = Researcher(nodeB, "r-cluster");
        var (_, id) = await KickedOffAsync(onA);
        await WaitUntilAsync(() => Task.FromResult(gate.Entered == 1), () => "node A building");

        Assert.That((await DeleteAsync(onB, id)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That(gate.Cancelled, Is.Zero, "node B cannot reach node A's build directly");
        nodeA.Time.Advance(ExportRunner.RefreshInterval);
        await WaitUntilAsync(() => Task.FromResult(gate.Cancelled == 1), () => "node A's build cancelled by its claim refresh");
        gate.Release();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await JobAsync(nodeA, id))!.Status, Is.EqualTo(ExportStatus.Cancelled));
            Assert.That(await FileCountAsync(nodeA, id), Is.Zero);
        }
    }

    [Test]
    public async Task ANodeThatStops_GivesItsExportBack_AndTheOtherNodeBuildsIt()
    {
        var gate = new BuildGate();
        contentA.Answer(gate.BuildAsync);
        using (var onA = Researcher(nodeA, "r-cluster"))
        {
            var (_, id) = await KickedOffAsync(onA, "?_type=AdverseEvent");
            await WaitUntilAsync(() => Task.FromResult(gate.Entered == 1), () => "node A building");

            await nodeA.DisposeAsync();
            var released = await WaitForAsync(nodeB, id, ExportStatus.Queued);
            Assert.That(released.ClaimedBy, Is.Null);
            Assert.That(gate.Cancelled, Is.EqualTo(1), "node A's build stopped with the node");

            nodeB.Time.Advance(ExportWorker.PollInterval);
            var job = await WaitForAsync(nodeB, id, ExportStatus.Completed);
            using var onB = Researcher(nodeB, "r-cluster");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(job.ClaimedBy, Does.StartWith(nodeB.Services.GetRequiredService<ExportWorker>().NodeName + "/"));
                Assert.That(contentB.Scopes.Single().TransactionTime, Is.EqualTo(job.TransactionTime), "as of its kick-off on node A");
                Assert.That((await StatusAsync(onB, id)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            }
        }
    }

    private ServiceHost Node(TestExportContent content)
    {
        var settings = database.HostSettings;
        settings["Monitoring:Clustered"] = "true";
        var host = new ServiceHost(settings, services => services.AddSingleton<IResearchExportContent>(content));
        host.CreateClient().Dispose();
        return host;
    }
}
