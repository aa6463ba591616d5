using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// Escalation on the fake clock (reliability-security.md): an unacknowledged alert reaches the unit's nurses, after
/// 5 minutes the covering physician, after 10 more the attending, exactly then and not a second before; each step an
/// alert_action and an alertUpdated push; an acknowledgement stops it; it is durable across restarts (the host restarted
/// on the same database escalates what fell due while it was down, once); passes that overlap (the worker's own tick,
/// a second node) escalate each tier once.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class EscalationTests(StorageProvider provider)
{
    private static readonly DateTimeOffset Raised = Day;

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Listening(database, Raised);
        using var integration = FreshClient(host, "integration");
        await AdmitAsync(integration, "p-esc", West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>Raises CRS grade 1 at the clock's now; returns its id.</summary>
    private async Task<string> RaiseAsync(string patient = "p-esc")
    {
        using var integration = FreshClient(host, "integration");
        using var nurse = FreshClient(host, "nurse", West);
        await ObservationAsync(integration, Temperature(patient, 38.6m, "Cel", host.Time.GetUtcNow().AddMinutes(-1)));
        return Text(Single(await AlertsOfAsync(nurse, patient), "crs"), "id");
    }

    /// <summary>Sets the clock, runs one escalation pass, and returns the alert as the API shows it.</summary>
    private async Task<(int Steps, System.Text.Json.Nodes.JsonNode Alert)> AtAsync(TimeSpan sinceRaised, string id, string patient = "p-esc")
    {
        host.Time.SetUtcNow(Raised + sinceRaised);
        var steps = await host.Services.GetRequiredService<EscalationWorker>().RunOnceAsync(CancellationToken.None);
        using var nurse = FreshClient(host, "nurse", West);
        var alert = (await AlertsOfAsync(nurse, patient)).Single(a => Text(a!, "id") == id)!;
        return (steps, alert);
    }

    [Test]
    public async Task Unacknowledged_EscalatesToTheCoveringPhysicianAtExactly5Minutes_AndTheAttendingAt15_NotBefore()
    {
        await using var dashboard = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));
        var id = await RaiseAsync();
        await dashboard.WaitForAlertAsync(e => e.Id == id, "the raising");

        var atRaise = await AtAsync(TimeSpan.Zero, id);
        var before5 = await AtAsync(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1), id);
        var at5 = await AtAsync(TimeSpan.FromMinutes(5), id);
        var pushed = await dashboard.WaitForAlertAsync(e => e.Id == id && e.Tier == 1, "the alertUpdated of the escalation to tier 1");
        var before15 = await AtAsync(TimeSpan.FromMinutes(15) - TimeSpan.FromSeconds(1), id);
        var at15 = await AtAsync(TimeSpan.FromMinutes(15), id);
        var later = await AtAsync(TimeSpan.FromHours(2), id);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((Tier(atRaise.Alert), Text(atRaise.Alert["escalation"]!, "tierName")), Is.EqualTo((0, "unit-nurses")));
            Assert.That(NextAt(atRaise.Alert), Is.EqualTo(Raised.AddMinutes(5)));
            Assert.That(Tier(before5.Alert), Is.Zero, "not at 4:59");
            Assert.That((Tier(at5.Alert), Text(at5.Alert["escalation"]!, "tierName")), Is.EqualTo((1, "covering-physician")), "at 5:00");
            Assert.That(NextAt(at5.Alert), Is.EqualTo(Raised.AddMinutes(15)), "10 more minutes");
            Assert.That(pushed.Kind, Is.EqualTo(HubEvent.Updated));
            Assert.That(pushed.Payload.GetProperty("escalation").GetProperty("tierName").GetString(), Is.EqualTo("covering-physician"));
            Assert.That(Tier(before15.Alert), Is.EqualTo(1), "not at 14:59");
            Assert.That((Tier(at15.Alert), Text(at15.Alert["escalation"]!, "tierName")), Is.EqualTo((2, "attending")), "at 15:00");
            Assert.That(NextAt(at15.Alert), Is.Null, "the last tier");
            Assert.That(Tier(later.Alert), Is.EqualTo(2));
            Assert.That(later.Steps, Is.Zero);

            var escalations = at15.Alert["actions"]!.AsArray().Where(a => Text(a!, "action") == "escalated").ToList();
            Assert.That(escalations.Select(a => a!["at"]!.GetValue<DateTimeOffset>()), Is.EqualTo(new[] { Raised.AddMinutes(5), Raised.AddMinutes(15) }));
            Assert.That(escalations.Select(a => Text(a!, "note")), Is.EqualTo(new[] { "to covering-physician", "to attending" }));
            Assert.That(escalations.Select(a => Text(a!, "by")), Is.All.EqualTo("crsmonitor"));
            Assert.That(Text(later.Alert, "state"), Is.EqualTo("raised"), "escalation does not acknowledge");
        }
    }

    [Test]
    public async Task Acknowledged_BeforeTheFirstTier_NeverEscalates_AtTier1_GoesNoFurther()
    {
        var early = await RaiseAsync();
        using (var integration = FreshClient(host, "integration"))
        {
            await AdmitAsync(integration, "p-esc-2", West);
        }

        var late = await RaiseAsync("p-esc-2");
        await using var dashboard = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));

        host.Time.SetUtcNow(Raised.AddMinutes(2));
        using (var nurse = FreshClient(host, "nurse", West))
        {
            await Ok(await nurse.PostAsync($"/api/alerts/{early}/acknowledge", null));
        }

        await AtAsync(TimeSpan.FromMinutes(5), early);
        host.Time.SetUtcNow(Raised.AddMinutes(6));
        using (var nurse = FreshClient(host, "nurse", West))
        {
            await Ok(await nurse.PostAsync($"/api/alerts/{late}/acknowledge", null));
        }

        await AtAsync(TimeSpan.FromMinutes(15), early);
        var earlyAfter = await AtAsync(TimeSpan.FromHours(3), early);
        var lateAfter = await AtAsync(TimeSpan.FromHours(3), late, "p-esc-2");
        await dashboard.WaitForAlertAsync(e => e.Id == late && e.State == "acknowledged", "the acknowledgement of the escalated alert");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Tier(earlyAfter.Alert), Is.Zero, "acknowledged at 2 min: never escalates");
            Assert.That(Actions(earlyAfter.Alert), Is.EqualTo(new[] { "raised", "acknowledged" }));
            Assert.That(NextAt(earlyAfter.Alert), Is.Null);
            Assert.That(Tier(lateAfter.Alert), Is.EqualTo(1), "escalated at 5 min, acknowledged at 6: no attending");
            Assert.That(Actions(lateAfter.Alert), Is.EqualTo(new[] { "raised", "escalated", "acknowledged" }));
            Assert.That(dashboard.Alerts.Where(e => e.Id == early).Select(e => e.Tier), Is.All.Zero, "no escalation pushed for the acknowledged alert");
        }
    }

    [Test]
    public async Task WorseAfterAcknowledgement_EscalatesAgainFromTheReArming_NotFromTheFirstRaising()
    {
        var id = await RaiseAsync();
        host.Time.SetUtcNow(Raised.AddMinutes(1));
        using (var nurse = FreshClient(host, "nurse", West))
        {
            await Ok(await nurse.PostAsync($"/api/alerts/{id}/acknowledge", null));
        }

        host.Time.SetUtcNow(Raised.AddMinutes(8));
        using (var integration = FreshClient(host, "integration"))
        {
            await ObservationAsync(integration, OxygenDevice("p-esc", "nasal-cannula", Raised.AddMinutes(7), flow: 4m));
        }

        var rearmed = await AtAsync(TimeSpan.FromMinutes(8), id);
        var before = await AtAsync(TimeSpan.FromMinutes(13) - TimeSpan.FromSeconds(1), id);
        var first = await AtAsync(TimeSpan.FromMinutes(13), id);
        var beforeSecond = await AtAsync(TimeSpan.FromMinutes(23) - TimeSpan.FromSeconds(1), id);
        var second = await AtAsync(TimeSpan.FromMinutes(23), id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((Text(rearmed.Alert, "state"), Tier(rearmed.Alert), NextAt(rearmed.Alert)), Is.EqualTo(("raised", 0, (DateTimeOffset?)Raised.AddMinutes(13))));
            Assert.That(Tier(before.Alert), Is.Zero);
            Assert.That(Tier(first.Alert), Is.EqualTo(1), "5 min after the re-arming");
            Assert.That(NextAt(first.Alert), Is.EqualTo(Raised.AddMinutes(23)));
            Assert.That(Tier(beforeSecond.Alert), Is.EqualTo(1));
            Assert.That(Tier(second.Alert), Is.EqualTo(2), "10 min after that");
        }
    }

    [Test]
    public async Task OverlappingPasses_EscalateEachTierOnce()
    {
        var id = await RaiseAsync();
        host.Time.SetUtcNow(Raised.AddMinutes(20)); // both tiers due; the worker's own timer fires too
        var worker = host.Services.GetRequiredService<EscalationWorker>();
        var steps = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => worker.RunOnceAsync(CancellationToken.None))));
        var (_, alert) = await AtAsync(TimeSpan.FromMinutes(20), id);

        var changes = (await ChangesAsync(host)).Where(c => c.Unit == West).Select(c => c.Seq).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Actions(alert).Count(a => a == "escalated"), Is.EqualTo(2), $"steps per pass: {string.Join(", ", steps)}");
            Assert.That(Tier(alert), Is.EqualTo(2));
            Assert.That(changes, Is.EqualTo(Enumerable.Range(1, changes.Count).Select(i => (long)i)), "seqs stay gap-free");
        }
    }

    [Test]
    public async Task Restart_OnTheSameDatabase_EscalatesWhatFellDueWhileDown_Once()
    {
        var id = await RaiseAsync();
        host.Time.SetUtcNow(Raised.AddMinutes(1));
        await host.DisposeAsync(); // down from 1 min to 6 min: the first tier falls due while it is down

        host = Listening(database, Raised.AddMinutes(6));
        var worker = host.Services.GetRequiredService<EscalationWorker>();
        await WaitUntilAsync(() => Task.FromResult(worker.Passes >= 1), () => "the escalation worker's start-up pass");
        var again = await worker.RunOnceAsync(CancellationToken.None);
        var (_, afterFirstRestart) = await AtAsync(TimeSpan.FromMinutes(6), id);
        await host.DisposeAsync(); // down again from 6 min to 40 min: the attending falls due while down

        host = Listening(database, Raised.AddMinutes(40));
        worker = host.Services.GetRequiredService<EscalationWorker>();
        await WaitUntilAsync(() => Task.FromResult(worker.Passes >= 1), () => "the escalation worker's start-up pass");
        var (steps, afterSecondRestart) = await AtAsync(TimeSpan.FromMinutes(40), id);

        // A dashboard of the restarted service replays the escalations.
        await using var dashboard = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));
        await dashboard.ResumeAsync([]);
        var replay = await dashboard.WaitForAsync(all => all.Any(e => e.IsAlert && e.Id == id && e.Tier == 2), "the replayed escalation to the attending");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.Zero, "the start-up pass took it; a second pass finds nothing");
            Assert.That((Tier(afterFirstRestart), NextAt(afterFirstRestart)), Is.EqualTo((1, (DateTimeOffset?)Raised.AddMinutes(15))));
            Assert.That(Actions(afterFirstRestart), Is.EqualTo(new[] { "raised", "escalated" }));
            Assert.That(afterFirstRestart["actions"]!.AsArray()[1]!["at"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Raised.AddMinutes(6)), "escalated when the service came back");
            Assert.That(steps, Is.Zero);
            Assert.That(Tier(afterSecondRestart), Is.EqualTo(2));
            Assert.That(Actions(afterSecondRestart), Is.EqualTo(new[] { "raised", "escalated", "escalated" }), "each tier once");
            Assert.That(replay.Where(e => e.IsAlert && e.Id == id).Select(e => e.Tier), Is.EqualTo(new[] { 0, 1, 2 }));
        }
    }
}
