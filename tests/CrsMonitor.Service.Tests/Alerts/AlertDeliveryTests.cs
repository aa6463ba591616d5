using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// Delivery (invariant 5, reliability-security.md): the alert row and its per-unit seq are written in the grade change's
/// transaction (the alert is there when the FHIR write answers; seqs are gap-free per unit even under concurrent writes);
/// the hub pushes alertRaised / alertUpdated / patientStatusChanged to the groups of the units in the token and no others;
/// integration and admin tokens are refused; a client that reconnects passes its last seq to Resume and receives what it
/// missed, in order, once. The .NET SignalR client over real HTTP and WebSockets (Kestrel on a free port).
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AlertDeliveryTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Listening(database, Day);
        integration = FreshClient(host, "integration");
        await AdmitAsync(integration, "p-west", West);
        await AdmitAsync(integration, "p-east", East);
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task UnitIsolation_A5ENurseReceivesNothingOf7W_A7WNurseNothingOf5E_BothUnitsReceiveBoth()
    {
        await using var east = await AlertListener.ConnectAsync(host, host.Token("--role", "nurse", "--unit", East, "--sub", "nurse-5e"));
        await using var west = await AlertListener.ConnectAsync(host, host.Token("--role", "nurse", "--unit", West, "--sub", "nurse-7w"));
        await using var both = await AlertListener.ConnectAsync(host, host.Token("--role", "physician", "--unit", West, "--unit", East));

        await ObservationAsync(integration, Temperature("p-west", 38.6m, "Cel", Day.AddMinutes(-2)));
        await west.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, PatientId: "p-west", Condition: "crs" }, "the 7W nurse gets the 7W CRS alert");

        // A 5E change after the 7W one: the feed sends in order, so once the 5E nurse has it, any 7W push to her would be there already.
        await ObservationAsync(integration, Temperature("p-east", 38.2m, "Cel", Day.AddMinutes(-1)));
        await east.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, PatientId: "p-east", Condition: "crs" }, "the 5E nurse gets the 5E CRS alert");
        await east.WaitForAsync(all => all.Any(e => e.Kind == HubEvent.Status), "the 5E status change");
        await both.WaitForAsync(all => all.Count(e => e is { Kind: HubEvent.Raised, Condition: "crs" }) == 2, "both units' CRS alerts for the physician of both");

        // And a 7W change after the 5E one, as the barrier for the 7W nurse.
        using (var nurse = FreshClient(host, "nurse", West))
        {
            var westCrs = Single(await AlertsOfAsync(nurse, "p-west"), "crs");
            await Ok(await nurse.PostAsync($"/api/alerts/{Text(westCrs, "id")}/acknowledge", null));
        }

        await west.WaitForAlertAsync(e => e is { Kind: HubEvent.Updated, State: "acknowledged" }, "the 7W acknowledgement");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(east.Alerts, Is.Not.Empty);
            Assert.That(east.Alerts.Select(e => e.Unit).Distinct(), Is.EqualTo(new[] { East }), "the 5E nurse was sent only 5E alerts");
            Assert.That(east.Events.Select(e => e.Payload.GetRawText()), Has.None.Contains("p-west"), "nothing about the 7W patient reached 5E");
            Assert.That(west.Alerts.Select(e => e.Unit).Distinct(), Is.EqualTo(new[] { West }), "the 7W nurse was sent only 7W alerts");
            Assert.That(west.Events.Select(e => e.Payload.GetRawText()), Has.None.Contains("p-east"));
            Assert.That(both.Alerts.Select(e => e.Unit).Distinct().Order(), Is.EqualTo(new[] { East, West }));
            Assert.That(east.Events.Where(e => e.Kind == HubEvent.Status).Select(e => e.Payload.GetProperty("patientId").GetString()).Distinct(), Is.EqualTo(new[] { "p-east" }));
        }

        // Resume cannot reach another unit either: units not in the token are ignored.
        var seqs = await east.ResumeAsync(new Dictionary<string, long> { [West] = 0, [East] = long.MaxValue });
        Assert.That(seqs.Keys, Is.EqualTo(new[] { East }));

        // There is no way to ask to join a group: the hub has no such method.
        await Assert.ThrowsAsync<HubException>(() => east.Connection.InvokeAsync("AddToGroupAsync", "unit:7W"));
    }

    [Test]
    public async Task HubEvents_CarryTheContractNames_AndAlertsMatchTheSchema_GradeIncreaseIsAlertUpdatedOfTheSameId()
    {
        await using var west = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));

        var fever = await ObservationAsync(integration, Temperature("p-west", 38.4m, "Cel", Day.AddMinutes(-3)));
        var raised = await west.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, Condition: "crs" }, "alertRaised for CRS grade 1");
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var cannula = await ObservationAsync(integration, OxygenDevice("p-west", "nasal-cannula", Day.AddMinutes(-2), flow: 6.0m));
        var updated = await west.WaitForAlertAsync(e => e is { Kind: HubEvent.Updated, Condition: "crs", Grade: 2 }, "alertUpdated to CRS grade 2");
        await west.WaitForAsync(all => all.Any(e => e.Kind == HubEvent.Status && e.Payload.GetProperty("patientId").GetString() == "p-west"), "patientStatusChanged");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(raised.Grade, Is.EqualTo(1));
            Assert.That(updated.Id, Is.EqualTo(raised.Id), "a grade increase updates the alert in place");
            Assert.That(updated.Seq, Is.GreaterThan(raised.Seq));
            Assert.That(updated.Payload.GetProperty("basis").GetProperty("readings").EnumerateArray().Select(r => r.GetString()),
                Is.SupersetOf(new[] { $"Observation/{fever}", $"Observation/{cannula}" }));
            Assert.That(west.Alerts.Count(e => e is { Kind: HubEvent.Raised, Condition: "crs" }), Is.EqualTo(1), "one CRS alert per episode");
        }

        foreach (var e in west.Alerts)
        {
            AlertSchema.AssertValid(e.Payload);
        }
    }

    [Test]
    public async Task IntegrationAndAdminTokens_AreRefusedByTheHub_AsIsNoToken()
    {
        foreach (var (role, status) in new[] { ("integration", HttpStatusCode.Forbidden), ("admin", HttpStatusCode.Forbidden) })
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(async () => await AlertListener.ConnectAsync(host, host.TokenFor(role)));
            Assert.That(refused!.StatusCode, Is.EqualTo(status), role);
        }

        var anonymous = await Assert.ThrowsAsync<HttpRequestException>(async () => await AlertListener.ConnectAsync(host, token: null));
        Assert.That(anonymous!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));

        // Straight to the WebSocket, skipping negotiate: refused just the same.
        var direct = await Assert.CatchAsync(async () => await AlertListener.ConnectAsync(host, host.TokenFor("integration"), o =>
        {
            o.SkipNegotiation = true;
            o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
        }));
        Assert.That(direct!.ToString(), Does.Contain("403"));
    }

    [Test]
    public async Task AlertAndSeq_AreCommittedWithTheGradeChange_SeqsGapFreePerUnit_UnderConcurrentWrites()
    {
        using var nurse = FreshClient(host, "nurse", West, East);

        // The alert exists the moment the FHIR write answers: no waiting.
        await ObservationAsync(integration, Temperature("p-west", 38.1m, "Cel", Day.AddMinutes(-5)));
        Assert.That(OfCondition(await AlertsOfAsync(nurse, "p-west"), "crs"), Has.Count.EqualTo(1), "the CRS alert is there when the POST answers");
        await using (var probe = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West)))
        {
            await probe.ResumeAsync([]);
            await probe.WaitForAsync(all => all.Any(e => e is { Kind: HubEvent.Raised, Condition: "crs", PatientId: "p-west" }), "the replay of the alert just written");
        }

        // Many patients of both units worsening at once: each unit's seqs stay 1..n with no gap or repeat.
        var patients = Enumerable.Range(1, 6).Select(i => (Id: $"p-many-{i}", Unit: i % 2 == 0 ? East : West)).ToList();
        foreach (var (id, unit) in patients)
        {
            await AdmitAsync(integration, id, unit);
        }

        await Task.WhenAll(patients.Select(async p =>
        {
            using var feed = FreshClient(host, "integration");
            await ObservationAsync(feed, Temperature(p.Id, 38.5m, "Cel", Day.AddMinutes(-4)));
            await ObservationAsync(feed, OxygenDevice(p.Id, "nasal-cannula", Day.AddMinutes(-3), flow: 2m));
            await ObservationAsync(feed, OxygenDevice(p.Id, "non-rebreather", Day.AddMinutes(-2)));
        }));

        var changes = await ChangesAsync(host);
        var rows = await AlertRowsAsync(host);
        using (Assert.EnterMultipleScope())
        {
            foreach (var unit in new[] { West, East })
            {
                var seqs = changes.Where(c => c.Unit == unit).Select(c => c.Seq).ToList();
                Assert.That(seqs, Is.EqualTo(Enumerable.Range(1, seqs.Count).Select(i => (long)i)), $"{unit}: seqs 1..n, gap-free");
                Assert.That(seqs, Has.Count.GreaterThanOrEqualTo(unit == West ? 10 : 9), $"{unit}: raised and updated alerts");
            }

            foreach (var row in rows)
            {
                var own = changes.Where(c => c.AlertId == row.Id).ToList();
                Assert.That(row.Seq, Is.EqualTo(own.Max(c => c.Seq)), $"alert {row.Id}: its seq is that of its latest change");
                Assert.That(own.All(c => c.Unit == row.Unit), Is.True);
                Assert.That(own.OrderBy(c => c.Seq).First().Kind, Is.EqualTo(HubEvent.Raised));
                Assert.That(JsonNode.Parse(own.Single(c => c.Seq == row.Seq).Payload)!["seq"]!.GetValue<long>(), Is.EqualTo(row.Seq), "the payload carries its own seq");
            }

            foreach (var (id, _) in patients)
            {
                Assert.That(Single(await AlertsOfAsync(nurse, id), "crs")["grade"]!.GetValue<int>(), Is.EqualTo(3), id);
            }
        }
    }

    [Test]
    public async Task ChangesRightAfterAStart_ArePushedLive_ToADashboardThatConnectedFirst()
    {
        // The feed's baseline (the last seq already committed, left to Resume) must be taken before anyone can
        // connect; taken late, it swallows the first live changes. Restart a few times and write at once.
        for (var restart = 1; restart <= 3; restart++)
        {
            await host.DisposeAsync();
            host = Listening(database, Day.AddMinutes(restart));
            await using var dashboard = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));
            using var feed = FreshClient(host, "integration");
            await ObservationAsync(feed, Temperature("p-west", 38.0m + restart, "Cel", Day.AddMinutes(restart)));
            await AdmitAsync(feed, $"p-start-{restart}", West);
            await ObservationAsync(feed, Temperature($"p-start-{restart}", 38.4m, "Cel", Day.AddMinutes(restart)));
            await dashboard.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, Condition: "crs" } && e.PatientId == $"p-start-{restart}", $"the live alert after restart {restart}");
        }
    }

    [Test]
    public async Task ReconnectWithLastSeq_ReceivesWhatItMissed_InOrder_NoLossNoDuplicate()
    {
        using var nurse = FreshClient(host, "nurse", West);
        var token = host.TokenFor("nurse", West);
        Dictionary<string, long> last;
        await using (var first = await AlertListener.ConnectAsync(host, token))
        {
            await ObservationAsync(integration, Temperature("p-west", 38.3m, "Cel", Day.AddMinutes(-10)));
            // CRS grade 1 only: no neuro check yet is shown on the patient page, never pushed (section 7).
            await first.WaitForAsync(all => all.Count(e => e.IsAlert) == 1, "CRS grade 1");
            last = first.LastSeqs();
        } // the dashboard goes away (disconnect)

        Assert.That(last[West], Is.EqualTo(1));

        // While it is away: the CRS alert worsens, another patient is admitted and raises, and a nurse acknowledges.
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ObservationAsync(integration, OxygenDevice("p-west", "high-flow-nasal-cannula", Day.AddMinutes(-9), flow: 30m));
        await AdmitAsync(integration, "p-west-2", West);
        await ObservationAsync(integration, Temperature("p-west-2", 39.0m, "Cel", Day.AddMinutes(-8)));
        var crs = Single(await AlertsOfAsync(nurse, "p-west"), "crs");
        await Ok(await nurse.PostAsync($"/api/alerts/{Text(crs, "id")}/acknowledge", null));

        var missed = (await ChangesAsync(host)).Where(c => c.Unit == West && c.Seq > last[West]).ToList();
        Assert.That(missed, Has.Count.GreaterThanOrEqualTo(3), "changes made while away: the worse grade, the new patient's CRS, the acknowledgement");

        await using var again = await AlertListener.ConnectAsync(host, token);
        var answer = await again.ResumeAsync(last);
        var replayed = await again.WaitForAsync(all => all.Count(e => e.IsAlert) >= missed.Count, $"{missed.Count} missed changes");

        // One more change after the resume arrives live, once.
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ObservationAsync(integration, OxygenDevice("p-west-2", "nasal-cannula", Day.AddMinutes(-1), flow: 3m));
        var after = await again.WaitForAsync(all => all.Any(e => e.IsAlert && e.Seq > missed[^1].Seq), "the live change after the resume");
        var alerts = after.Where(e => e.IsAlert).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(answer[West], Is.EqualTo(missed[^1].Seq), "Resume answers the unit's last seq");
            Assert.That(alerts.Take(missed.Count).Select(e => e.Seq), Is.EqualTo(missed.Select(c => c.Seq)), "every missed change, in seq order");
            Assert.That(alerts.Take(missed.Count).Select(e => e.Kind), Is.EqualTo(missed.Select(c => c.Kind)));
            Assert.That(alerts.Select(e => e.Seq), Is.Unique, "no change twice");
            Assert.That(alerts.Select(e => e.Seq), Is.Ordered, "in order");
            Assert.That(alerts.Select(e => e.Seq).Min(), Is.GreaterThan(last[West]), "nothing already seen is sent again");
            var worsened = replayed.First(e => e.Kind == HubEvent.Updated && e.Id == crs["id"]!.GetValue<string>());
            Assert.That(worsened.Grade, Is.EqualTo(3), "the replay carries the alert as it was then");
            Assert.That(alerts.Last().Seq, Is.EqualTo((await ChangesAsync(host)).Where(c => c.Unit == West).Max(c => c.Seq)));
        }

        foreach (var e in alerts)
        {
            AlertSchema.AssertValid(e.Payload);
        }
    }

    [Test]
    public async Task Reconnect_WhileChangesAreBeingWritten_TheClientShowsEachChangeOnce_AndMissesNone()
    {
        var token = host.TokenFor("nurse", West);
        var patients = Enumerable.Range(1, 4).Select(i => $"p-live-{i}").ToList();
        foreach (var p in patients)
        {
            await AdmitAsync(integration, p, West);
        }

        await using var first = await AlertListener.ConnectAsync(host, token);
        var writing = Task.Run(async () =>
        {
            using var feed = FreshClient(host, "integration");
            foreach (var p in patients)
            {
                await ObservationAsync(feed, Temperature(p, 38.7m, "Cel", Day.AddMinutes(-5)));
                await ObservationAsync(feed, OxygenDevice(p, "nasal-cannula", Day.AddMinutes(-4), flow: 2m));
            }
        });

        // Drop the connection part-way, then come back with the last seq while writes go on.
        await first.WaitForAsync(all => all.Count(e => e.IsAlert) >= 2, "the first alerts");
        await first.Connection.StopAsync();
        var seen = first.LastSeqs();
        await using var again = await AlertListener.ConnectAsync(host, token);
        await again.ResumeAsync(seen);
        await writing;

        var total = (await ChangesAsync(host)).Where(c => c.Unit == West).Max(c => c.Seq);
        await again.WaitForAsync(
            all => first.Alerts.Concat(all.Where(e => e.IsAlert)).Select(e => e.Seq).Distinct().Count() >= total, $"every seq up to {total}");

        // What the dashboard shows: every seq once (a change pushed live while Resume runs may arrive twice; the client drops a seq it has).
        var shown = first.Alerts.Concat(again.Alerts).Select(e => e.Seq).Distinct().Order().ToList();
        Assert.That(shown, Is.EqualTo(Enumerable.Range(1, (int)total).Select(i => (long)i)), "seqs 1..n, none lost");
    }
}
