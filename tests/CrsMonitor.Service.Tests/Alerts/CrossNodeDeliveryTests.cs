using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// Scale-out (issue 14): two service nodes on one PostgreSQL database, each with dashboards of its own and no backplane.
/// An alert change committed on either node reaches every dashboard of its unit on both nodes, each change once and in
/// seq order: woken by NOTIFY (Alerts:ListenToDatabase, the default) or by the follow poll alone (how SQL Server
/// deployments, and PostgreSQL behind a transaction pooler, get them). A dashboard that moves to the other node resumes
/// there with what it missed and nothing twice. The .NET SignalR client over real HTTP and WebSockets.
/// </summary>
public sealed class CrossNodeDeliveryTests
{
    private static readonly string[] Patients = ["x-1", "x-2", "x-3"];

    private TestDatabase database = null!;
    private ServiceHost nodeA = null!;
    private ServiceHost nodeB = null!;

    [TearDown]
    public async Task StopAsync()
    {
        await nodeA.DisposeAsync();
        await nodeB.DisposeAsync();
        await database.DisposeAsync();
    }

    [TestCase(true, TestName = "Notified: an alert committed on node A reaches dashboards on both nodes, each change once, in seq order")]
    [TestCase(false, TestName = "Polled (no LISTEN, as on SQL Server): an alert committed on node A reaches dashboards on both nodes, each change once, in seq order")]
    public async Task ChangesCommittedOnEitherNode_ReachEveryDashboard_OnceEach_InSeqOrder(bool listen)
    {
        await StartNodesAsync(listen);
        using var feed = FreshClient(nodeA, "integration");
        foreach (var patient in Patients)
        {
            await AdmitAsync(feed, patient, West);
        }

        await using var onB = await AlertListener.ConnectAsync(nodeB, nodeB.TokenFor("nurse", West));
        await using var onA = await AlertListener.ConnectAsync(nodeA, nodeA.TokenFor("nurse", West));

        // Changes from node A (fevers, worse oxygen) and from node B (a nurse's acknowledgement there).
        foreach (var patient in Patients)
        {
            await ObservationAsync(feed, Temperature(patient, 38.6m, "Cel", Day.AddMinutes(-5)));
            await ObservationAsync(feed, OxygenDevice(patient, "high-flow-nasal-cannula", Day.AddMinutes(-4), flow: 30m));
        }

        using var nurseOnB = FreshClient(nodeB, "nurse", West);
        var crs = Single(await AlertsOfAsync(nurseOnB, Patients[0]), "crs");
        await Ok(await nurseOnB.PostAsync($"/api/alerts/{Text(crs, "id")}/acknowledge", null));

        var log = (await ChangesAsync(nodeA)).Where(c => c.Unit == West).Select(c => c.Seq).ToList();
        Assert.That(log, Has.Count.GreaterThanOrEqualTo(Patients.Length * 2 + 1), "raised, worsened, acknowledged");
        foreach (var (name, dashboard) in new[] { ("node B", onB), ("node A", onA) })
        {
            var seen = await dashboard.WaitForAsync(all => all.Count(e => e.HasSeq) >= log.Count, $"every change of {West} on {name}");
            Assert.That(seen.Where(e => e.HasSeq).Select(e => e.Seq), Is.EqualTo(log), $"{name}: each change once, in seq order");
        }

        if (listen)
        {
            // Census rows: a status change announced on node A reaches node B's dashboards too.
            await onB.WaitForAsync(all => all.Any(e => e.Kind == HubEvent.Status && e.PatientId == Patients[^1]), "a status change of node A's write on node B");
        }
    }

    [Test]
    public async Task ADashboardThatLeavesNodeB_ResumesOnNodeA_WithEverythingItMissed_AndNothingTwice()
    {
        await StartNodesAsync(listen: true);
        using var feed = FreshClient(nodeA, "integration");
        foreach (var patient in Patients)
        {
            await AdmitAsync(feed, patient, West);
        }

        Dictionary<string, long> last;
        await using (var onB = await AlertListener.ConnectAsync(nodeB, nodeB.TokenFor("nurse", West)))
        {
            await ObservationAsync(feed, Temperature(Patients[0], 38.6m, "Cel", Day.AddMinutes(-5)));
            await onB.WaitForAsync(all => all.Any(e => e.IsAlert), "the first alert on node B");
            last = onB.LastSeqs();
        } // node B goes away for this dashboard (a restart, a load balancer moving it)

        foreach (var patient in Patients.Skip(1))
        {
            await ObservationAsync(feed, Temperature(patient, 38.9m, "Cel", Day.AddMinutes(-3)));
        }

        var missed = (await ChangesAsync(nodeA)).Where(c => c.Unit == West && c.Seq > last[West]).Select(c => c.Seq).ToList();
        Assert.That(missed, Is.Not.Empty);
        await using var onA = await AlertListener.ConnectAsync(nodeA, nodeA.TokenFor("nurse", West));
        await onA.ResumeAsync(last);

        // One more, committed on node B after the move: live on node A, once.
        using var nurseOnB = FreshClient(nodeB, "nurse", West);
        var crs = Single(await AlertsOfAsync(nurseOnB, Patients[1]), "crs");
        await Ok(await nurseOnB.PostAsync($"/api/alerts/{Text(crs, "id")}/acknowledge", null));
        var all = (await ChangesAsync(nodeA)).Where(c => c.Unit == West).Select(c => c.Seq).ToList();
        var seen = await onA.WaitForAsync(e => e.Count(x => x.HasSeq) >= all.Count - last[West], "the missed changes and the acknowledgement");
        Assert.That(seen.Where(e => e.HasSeq).Select(e => e.Seq), Is.EqualTo(all.Where(s => s > last[West])), "what it missed, then the live change: once each, in order");
    }

    [Test]
    public async Task AChangePushedLive_IsNeverReplayed_AndAReplayIsNeverPushedAgain()
    {
        await StartNodesAsync(listen: true);
        using var feed = FreshClient(nodeA, "integration");
        await AdmitAsync(feed, Patients[0], West);
        await ObservationAsync(feed, Temperature(Patients[0], 38.4m, "Cel", Day.AddMinutes(-6))); // before the dashboard: for the replay

        await using var dashboard = await AlertListener.ConnectAsync(nodeB, nodeB.TokenFor("nurse", West));
        await ObservationAsync(feed, OxygenDevice(Patients[0], "high-flow-nasal-cannula", Day.AddMinutes(-5), flow: 30m)); // live
        var log = (await ChangesAsync(nodeA)).Where(c => c.Unit == West).Select(c => c.Seq).ToList();
        await dashboard.WaitForAsync(all => all.Any(e => e.HasSeq && e.Seq == log[^1]), "the live change");

        // Resume from the start: only what it had not been sent comes, and it asks again: nothing comes.
        await dashboard.ResumeAsync(new Dictionary<string, long> { [West] = 0 });
        await dashboard.ResumeAsync(new Dictionary<string, long> { [West] = 0 });
        await ObservationAsync(feed, Temperature(Patients[0], 39.5m, "Cel", Day.AddMinutes(-1)));
        log = [.. (await ChangesAsync(nodeA)).Where(c => c.Unit == West).Select(c => c.Seq)];
        var seen = await dashboard.WaitForAsync(all => all.Any(e => e.HasSeq && e.Seq == log[^1]), "the change after the replays");
        Assert.That(seen.Where(e => e.HasSeq).Select(e => e.Seq).Order(), Is.EqualTo(log), "every change once, none twice");
    }

    private async Task StartNodesAsync(bool listen)
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        var clustered = new Dictionary<string, string?> { ["Monitoring:Clustered"] = "true", ["Alerts:FollowPollMilliseconds"] = "100" };
        nodeA = Listening(database, Day, clustered);
        nodeB = Listening(database, Day, new Dictionary<string, string?>(clustered) { ["Alerts:ListenToDatabase"] = listen ? "true" : "false" });
        if (listen)
        {
            await WaitUntilAsync(
                () => Task.FromResult(nodeA.Services.GetRequiredService<ChangeListener>().Listening && nodeB.Services.GetRequiredService<ChangeListener>().Listening),
                () => "both nodes listening");
        }
    }
}
