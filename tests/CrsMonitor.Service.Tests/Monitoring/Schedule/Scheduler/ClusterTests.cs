using System.Text.Json.Nodes;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Monitoring.Schedule.Scheduler;

/// <summary>
/// Two service nodes (each with its own Quartz node and fake clock) on one PostgreSQL database, Monitoring:Clustered=true:
/// the windows' wake-ups are shared, and each wake-up due at an instant runs once across the cluster, so each missed
/// check is recorded once.
/// </summary>
public sealed class ClusterTests
{
    private static readonly DateTimeOffset Dose = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The first vital-signs slot (due 4 h after the dose start) is overdue 15 min later.</summary>
    private static readonly DateTimeOffset FirstVitalsOverdue = Dose.AddHours(4).AddMinutes(15);

    private static readonly string[] Patients = ["cl01", "cl02", "cl03", "cl04", "cl05", "cl06"];

    private TestDatabase database = null!;
    private ServiceHost nodeA = null!;
    private ServiceHost nodeB = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(StorageProvider.Postgres);
        nodeA = new ServiceHost(ClusteredSettings());
        nodeB = new ServiceHost(ClusteredSettings());
        await SetClocksAsync(Dose.AddHours(-1));
        _ = nodeA.Services; // starts node A (and its Quartz node)
        _ = nodeB.Services;
    }

    [TearDown]
    public async Task StopAsync()
    {
        await nodeA.DisposeAsync();
        await nodeB.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task TwoNodes_OneDatabase_EachWakeUpRunsOnceAcrossTheCluster_AndEachMissedCheckIsRecordedOnce()
    {
        using var integration = FreshClient(nodeA, "integration");
        using var nurse = FreshClient(nodeA, "nurse", Unit);
        foreach (var patient in Patients)
        {
            await AdmitAsync(integration, patient, Unit);
        }

        await SetClocksAsync(Dose);
        foreach (var patient in Patients)
        {
            await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Tarlatamab(patient, Dose, Dose.AddHours(1)))));
        }

        await SettleAsync(nodeA, nodeB);
        var schedulerA = await SchedulerOf(nodeA);
        var schedulerB = await SchedulerOf(nodeB);

        // Each patient's observed window waits for its first vital-signs slot's overdue instant, in Quartz.
        var observed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var patient in Patients)
        {
            var status = await StatusAsync(nurse, patient);
            var window = ObservedWindow(status);
            var windowId = window["id"]!.GetValue<string>();
            observed[patient] = windowId;
            var firstVitals = status["checks"]!["slots"]!.AsArray()
                .Where(s => s!["windowId"]!.GetValue<string>() == windowId && s["check"]!.GetValue<string>() == "vital-signs")
                .MinBy(s => s!["dueAt"]!.GetValue<DateTimeOffset>())!;
            var job = await schedulerB.GetJobDetail(WindowScheduler.JobOf(windowId));
            var trigger = await schedulerB.GetTrigger(WindowScheduler.TriggerOf(windowId));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(firstVitals["dueAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Dose.AddHours(4)), patient);
                Assert.That(firstVitals["overdueAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(FirstVitalsOverdue), patient);
                Assert.That(window["nextWakeAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(FirstVitalsOverdue), patient);
                Assert.That(await schedulerA.Exists(WindowScheduler.JobOf(windowId)), Is.True, $"{patient}: job of window {windowId}");
                Assert.That(job, Is.Not.Null, $"{patient}: job of window {windowId} (seen from node B)");
                Assert.That(job?.RequestsRecovery, Is.True, $"{patient}: RequestRecovery");
                Assert.That(job?.ConcurrentExecutionDisallowed, Is.True, $"{patient}: DisallowConcurrentExecution");
                Assert.That(job?.Durable, Is.True, $"{patient}: StoreDurably");
                Assert.That(trigger, Is.InstanceOf<ISimpleTrigger>(), $"{patient}: one simple trigger");
                Assert.That((trigger as ISimpleTrigger)?.MisfireInstruction, Is.EqualTo(SimpleTriggerMisfireInstruction.FireNow), $"{patient}: misfire");
                Assert.That(trigger?.StartTimeUtc, Is.EqualTo(firstVitals["overdueAt"]!.GetValue<DateTimeOffset>()), $"{patient}: trigger start");
                Assert.That(trigger?.JobKey, Is.EqualTo(WindowScheduler.JobOf(windowId)), $"{patient}: trigger's job");
            }
        }

        // Both nodes joined one cluster: same scheduler name, different generated instance ids.
        var nodes = await schedulerA.QueryClusterNodes();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(schedulerB.SchedulerName, Is.EqualTo(schedulerA.SchedulerName));
            Assert.That(schedulerB.SchedulerInstanceId, Is.Not.EqualTo(schedulerA.SchedulerInstanceId));
            Assert.That(nodes.Select(n => n.InstanceId), Is.EquivalentTo(new[] { schedulerA.SchedulerInstanceId, schedulerB.SchedulerInstanceId }));
        }

        // The wake-ups due at the step: exactly the observed windows' triggers (the other windows wake later).
        var target = FirstVitalsOverdue.AddSeconds(1);
        var triggers = await schedulerA.QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(SchedulerHost.Group), Take = PagedQuery.All });
        var woken = triggers.Items.Where(t => t.StartTimeUtc <= target).Select(t => t.Key).ToList();
        Assert.That(woken, Is.EquivalentTo(observed.Values.Select(WindowScheduler.TriggerOf)), "triggers due at the step");

        var runnerA = nodeA.Services.GetRequiredService<MonitoringRunner>();
        var runnerB = nodeB.Services.GetRequiredService<MonitoringRunner>();
        var (beforeA, beforeB) = (runnerA.WindowRuns, runnerB.WindowRuns);
        await SetClocksAsync(target);
        await SettleAsync(nodeA, nodeB);
        var (ranA, ranB) = (runnerA.WindowRuns - beforeA, runnerB.WindowRuns - beforeB);
        await TestContext.Out.WriteLineAsync($"{woken.Count} wake-ups: node A ran {ranA}, node B ran {ranB}");

        var nodesAfter = (await schedulerA.QueryClusterNodes()).Concat(await schedulerB.QueryClusterNodes()).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ranA + ranB, Is.EqualTo(woken.Count), $"window runs across the cluster for {woken.Count} wake-ups (node A {ranA}, node B {ranB})");
            Assert.That(nodesAfter.Select(n => (n.InstanceId, n.State)), Is.EquivalentTo(new[]
            {
                (schedulerA.SchedulerInstanceId, ClusterNodeState.Alive), (schedulerB.SchedulerInstanceId, ClusterNodeState.Alive),
                (schedulerA.SchedulerInstanceId, ClusterNodeState.Alive), (schedulerB.SchedulerInstanceId, ClusterNodeState.Alive),
            }), "after the step each node sees both nodes alive (none recovered the other's work)");
        }

        foreach (var patient in Patients)
        {
            var status = await StatusAsync(nurse, patient);
            var events = status["monitoringEvents"]!.AsArray();
            var overdue = events.Where(e => e!["kind"]!.GetValue<string>() == "check-overdue").ToList();
            var trigger = await schedulerA.GetTrigger(WindowScheduler.TriggerOf(observed[patient]));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(overdue.Select(e => (e!["detail"]!["check"]!.GetValue<string>(), e["detail"]!["dueAt"]!.GetValue<DateTimeOffset>())),
                    Is.EqualTo(new[] { ("vital-signs", Dose.AddHours(4)) }), $"{patient}: check-overdue events");
                Assert.That(overdue.Select(e => e!["occurredAt"]!.GetValue<DateTimeOffset>()), Is.EqualTo(new[] { FirstVitalsOverdue }), patient);
                Assert.That(overdue.Select(e => e!["recordedBy"]!.GetValue<string>()), Is.EqualTo(new[] { Actors.Scheduler }), patient);
                Assert.That(overdue.Select(e => e!["windowId"]!.GetValue<string>()), Is.EqualTo(new[] { observed[patient] }), patient);
                Assert.That(events.Where(e => e!["operational"]!.GetValue<bool>()).Select(e => e!["kind"]!.GetValue<string>()), Is.Empty,
                    $"{patient}: operational events (e.g. processed-late by the watchdog)");
                Assert.That(status["checks"]!["overdue"]!.AsArray().Select(s => s!["check"]!.GetValue<string>()), Is.EqualTo(new[] { "vital-signs" }), patient);
                Assert.That(trigger?.StartTimeUtc, Is.GreaterThan(target), $"{patient}: the window's next wake-up was handed to Quartz");
            }
        }
    }

    private Dictionary<string, string?> ClusteredSettings()
    {
        var settings = database.HostSettings;
        settings["Monitoring:Clustered"] = "true";
        return settings;
    }

    /// <summary>Both nodes' fake clocks to the same instant, at the same time (so both Quartz nodes wake and race for the triggers).</summary>
    private Task SetClocksAsync(DateTimeOffset at) =>
        Task.WhenAll(Task.Run(() => nodeA.Time.SetUtcNow(at)), Task.Run(() => nodeB.Time.SetUtcNow(at)));

    private static Task<IScheduler> SchedulerOf(ServiceHost host) => host.Services.GetRequiredService<SchedulerHost>().Scheduler;

    private static JsonNode ObservedWindow(JsonNode status) =>
        status["windows"]!.AsArray().Single(w => w!["protocolWindowId"]!.GetValue<string>() == "c1-observed")!;

    /// <summary>
    /// <see cref="MonitoringHost.SettleAsync"/> for a cluster: waits (real time, bounded) until no node has a wake-up not yet
    /// handed to Quartz, no firing is in flight anywhere in the cluster (the job store's fired triggers), and no trigger of
    /// ours is due at the nodes' fake "now". A condition wait, not a sleep.
    /// </summary>
    private static async Task SettleAsync(params ServiceHost[] hosts)
    {
        var schedulers = await Task.WhenAll(hosts.Select(SchedulerOf));
        var wakes = hosts.Select(h => h.Services.GetRequiredService<WakeUps>()).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var quiet = 0;
        while (DateTime.UtcNow < deadline)
        {
            var now = hosts.Max(h => h.Time.GetUtcNow());
            var busy = wakes.Any(w => w.Pending > 0);
            foreach (var scheduler in schedulers)
            {
                busy = busy || (await scheduler.QueryFireInstances(new FireInstanceQuery())).Items.Count > 0;
            }

            if (!busy)
            {
                var triggers = await schedulers[0].QueryTriggers(new TriggerQuery { Group = GroupMatcher<TriggerKey>.GroupEquals(SchedulerHost.Group), Take = PagedQuery.All });
                busy = triggers.Items.Any(t => t.NextFireTimeUtc is { } next && next <= now);
            }

            quiet = busy ? 0 : quiet + 1;
            if (quiet >= 3)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("the cluster's Quartz nodes did not settle within 60 s");
    }
}
