using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Monitoring.Schedule;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// Alerts follow the patient (issue 11 item 3), over the .NET SignalR client on real HTTP and WebSockets: a fever posted
/// before the ADT Encounter raises its alert on "unassigned" with no escalation to nobody; the admission to 7W pushes it
/// to a 7W dashboard connected before, with its basis, and escalation runs on 7W from the admission. A transfer 7W → 5E
/// with an open alert pushes it to 5E and takes it off 7W (alertMoved, each unit at its own next seq), Resume on each
/// unit rebuilds the right feed, the HTTP API shows it on 5E only and 7W staff are refused it; a "moved" action by the
/// writer and the Encounter write's audit row record the move. An acknowledged alert keeps its state; a resolved one and
/// a discharge move nothing.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AlertFollowTests(StorageProvider provider)
{
    private const string AdtSubject = "adt-engine";

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient adt = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Listening(database, Day);
        adt = host.CreateDefaultClient(new FreshTokenHandler(() => host.Token("--role", "integration", "--sub", AdtSubject)));
    }

    [TearDown]
    public async Task StopAsync()
    {
        adt.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task FeverBeforeAdmission_StaysUnescalatedOnUnassigned_ThenTheAdmissionPushesItTo7WWithItsBasis_AndEscalationRunsFromTheAdmission()
    {
        await Ok(await adt.PutAsync($"/fhir/Location/{West}", Body(Location(West))));
        await Ok(await adt.PutAsync("/fhir/Patient/p-early", Body(Patient("p-early"))));
        await using var west = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));

        var fever = await ObservationAsync(adt, Temperature("p-early", 38.6m, "Cel", Day.AddMinutes(-1)));
        var crs = await CrsAlertAsync("p-early");
        Assert.That(crs.Unit, Is.EqualTo(AlertUnit.Unassigned), "raised while the patient is on no unit");
        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM alert WHERE next_escalation_at IS NOT NULL"), Is.Zero, "no escalation tiers on unassigned");

        // Twenty minutes unseen: past every tier of the default escalation (5 and 15 minutes), and nobody to escalate to.
        host.Time.SetUtcNow(Day.AddMinutes(20));
        await host.Services.GetRequiredService<EscalationWorker>().RunOnceAsync(CancellationToken.None);
        Assert.That(await ScalarAsync("SELECT COUNT(*) FROM alert_action WHERE action = 'escalated'"), Is.Zero, "no escalation recorded while unassigned");

        var admitted = host.Time.GetUtcNow();
        await Ok(await adt.PutAsync("/fhir/Encounter/enc-p-early", Body(Encounter("enc-p-early", "p-early", West))));
        var arrival = await west.WaitForAsync(all => all.Any(e => e.IsMove && e.Id == crs.Id), "the CRS alert pushed to 7W on admission");
        var move = arrival.Single(e => e.IsMove && e.Id == crs.Id);
        var alert = move.Payload.GetProperty("alert");

        using var nurse = FreshClient(host, "nurse", West);
        var unitFeed = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{West}/alerts")))!;
        var listed = Single(await AlertsOfAsync(nurse, "p-early"), "crs");
        using (Assert.EnterMultipleScope())
        {
            AlertSchema.AssertValidMove(move.Payload);
            Assert.That((move.Unit, move.MovedFrom, move.MovedTo, move.PatientId), Is.EqualTo((West, AlertUnit.Unassigned, West, "p-early")));
            Assert.That((await ChangesAsync(host)).Where(c => c.Unit == West).Select(c => (c.Seq, c.Kind)), Does.Contain((move.Seq, HubEvent.Moved)), "a 7W change at 7W's next seq");
            Assert.That(move.Seq, Is.LessThanOrEqualTo(unitFeed["lastSeq"]!.GetValue<long>()));
            Assert.That(alert.GetProperty("unit").GetString(), Is.EqualTo(West));
            Assert.That(alert.GetProperty("seq").GetInt64(), Is.EqualTo(move.Seq), "the alert carries the 7W seq of its move");
            Assert.That(alert.GetProperty("basis").GetProperty("readings").EnumerateArray().Select(r => r.GetString()), Does.Contain($"Observation/{fever}"), "with its basis");
            Assert.That(alert.GetProperty("basis").GetProperty("rules").GetArrayLength(), Is.Positive);
            Assert.That(alert.GetProperty("state").GetString(), Is.EqualTo("raised"));
            Assert.That(alert.GetProperty("escalation").GetProperty("tier").GetInt32(), Is.Zero, "the unit's nurses first");
            Assert.That(alert.GetProperty("escalation").GetProperty("nextAt").GetDateTimeOffset(), Is.EqualTo(admitted.AddMinutes(5)), "the next tier is due 5 minutes after the admission");
            Assert.That(west.Events.Where(e => e.IsAlert), Is.Empty, "it arrives as a move, not as a new alert");
            Assert.That(unitFeed["alerts"]!.AsArray().Select(a => Text(a!, "id")), Does.Contain(crs.Id), "GET /api/units/7W/alerts lists it");
            Assert.That(Actions(listed), Is.EqualTo(new[] { "raised", "moved" }));
            var moved = listed["actions"]!.AsArray().Last()!;
            Assert.That((Text(moved, "by"), Text(moved, "role"), Text(moved, "note")), Is.EqualTo((AdtSubject, "integration", "from unassigned to 7W")));
        }

        // Escalation now runs on 7W, from the admission.
        var worker = host.Services.GetRequiredService<EscalationWorker>();
        host.Time.SetUtcNow(admitted.AddMinutes(5) - TimeSpan.FromSeconds(1));
        await worker.RunOnceAsync(CancellationToken.None);
        Assert.That(Tier(Single(await AlertsOfAsync(nurse, "p-early"), "crs")), Is.Zero, "not a second early");
        host.Time.SetUtcNow(admitted.AddMinutes(5));
        await worker.RunOnceAsync(CancellationToken.None);
        var escalated = await west.WaitForAlertAsync(e => e is { Kind: HubEvent.Updated } && e.Id == crs.Id && e.Tier == 1, "the 7W escalation to tier 1");
        var steps = Single(await AlertsOfAsync(nurse, "p-early"), "crs")["actions"]!.AsArray().Where(a => Text(a!, "action") == "escalated").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(escalated.Unit, Is.EqualTo(West));
            Assert.That(steps.Select(a => a!["at"]!.GetValue<DateTimeOffset>()), Is.EqualTo(new[] { admitted.AddMinutes(5) }), "one step, 5 minutes after the admission");
        }

        var audit = await AuditRowsAsync(host, "fhir.update", 3);
        Assert.That(audit.Where(r => r.ResourceType == "Encounter").Select(r => r.Detail), Has.Some.Contains($"Alert/{crs.Id} from unassigned to 7W"), "the Encounter write's audit row names the move");
    }

    [Test]
    public async Task TransferFrom7WTo5E_WithAnOpenAlert_PushesItTo5E_TakesItOff7W_ResumeOnEachUnitAgrees_And7WStaffAreRefusedIt()
    {
        await AdmitAsync(adt, "p-move", West);
        await using var west = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West));
        await using var east = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", East));
        await using var both = await AlertListener.ConnectAsync(host, host.TokenFor("physician", West, East));

        var fever = await ObservationAsync(adt, Temperature("p-move", 38.9m, "Cel", Day.AddMinutes(-1)));
        var raised = await west.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, Condition: "crs" }, "the CRS alert on 7W");
        host.Time.SetUtcNow(Day.AddMinutes(5));
        await host.Services.GetRequiredService<EscalationWorker>().RunOnceAsync(CancellationToken.None);
        await west.WaitForAlertAsync(e => e.Id == raised.Id && e.Tier == 1, "the 7W escalation to the covering physician");
        var westBefore = (await ChangesAsync(host)).Where(c => c.Unit == West).Max(c => c.Seq);

        host.Time.SetUtcNow(Day.AddMinutes(7));
        var transferred = host.Time.GetUtcNow();
        await AdmitAsync(adt, "p-move", East); // the same Encounter, now at 5E
        var arrived = await east.WaitForAsync(all => all.Any(e => e.IsMove && e.Id == raised.Id), "the alert pushed to 5E");
        var left = await west.WaitForAsync(all => all.Any(e => e.IsMove && e.Id == raised.Id), "the removal pushed to 7W");
        await both.WaitForAsync(all => all.Count(e => e.IsMove && e.Id == raised.Id) == 2, "both changes for the physician of both units");

        var toEast = arrived.Single(e => e.IsMove && e.Id == raised.Id);
        var offWest = left.Single(e => e.IsMove && e.Id == raised.Id);
        var changes = await ChangesAsync(host);
        using (Assert.EnterMultipleScope())
        {
            AlertSchema.AssertValidMove(toEast.Payload);
            AlertSchema.AssertValidMove(offWest.Payload);
            Assert.That(arrived.Where(e => e.HasSeq).Select(e => e.Kind), Is.All.EqualTo(HubEvent.Moved), "5E was told nothing of the patient before the transfer");
            Assert.That((toEast.Unit, toEast.MovedFrom, toEast.MovedTo), Is.EqualTo((East, West, East)));
            Assert.That(changes.Where(c => c.Unit == East).Select(c => (c.Seq, c.Kind, c.AlertId)), Does.Contain((toEast.Seq, HubEvent.Moved, raised.Id)), "at 5E's next seq");
            var alert = toEast.Payload.GetProperty("alert");
            Assert.That(alert.GetProperty("unit").GetString(), Is.EqualTo(East));
            Assert.That(alert.GetProperty("grade").GetInt32(), Is.EqualTo(1));
            Assert.That(alert.GetProperty("basis").GetProperty("readings").EnumerateArray().Select(r => r.GetString()), Does.Contain($"Observation/{fever}"));
            Assert.That(alert.GetProperty("escalation").GetProperty("tier").GetInt32(), Is.Zero, "the 5E nurses first");
            Assert.That(alert.GetProperty("escalation").GetProperty("nextAt").GetDateTimeOffset(), Is.EqualTo(transferred.AddMinutes(5)), "next tier due from the transfer");
            Assert.That((offWest.Unit, offWest.MovedFrom, offWest.MovedTo), Is.EqualTo((West, West, East)));
            Assert.That(changes.Where(c => c.Unit == West && c.Seq > westBefore).Select(c => c.Kind), Is.All.EqualTo(HubEvent.Moved), "7W's next seqs: the removals");
            Assert.That(offWest.Seq, Is.GreaterThan(westBefore));
            Assert.That(offWest.Payload.GetProperty("alert").ValueKind, Is.EqualTo(JsonValueKind.Null), "the unit it left is not sent the alert again");
            Assert.That(west.FeedOf(West).Keys, Does.Not.Contain(raised.Id), "off the 7W feed");
            Assert.That(east.FeedOf(East).Keys, Does.Contain(raised.Id), "on the 5E feed");
            Assert.That(both.FeedOf(West).Keys, Does.Not.Contain(raised.Id));
            Assert.That(both.FeedOf(East).Keys, Does.Contain(raised.Id));
        }

        // Resume from scratch rebuilds each unit's feed the same way; from the last seq seen before, 7W gets only the removal.
        await using (var westAgain = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West)))
        {
            var westChanges = changes.Count(c => c.Unit == West);
            await westAgain.ResumeAsync(new Dictionary<string, long> { [West] = 0 });
            await westAgain.WaitForAsync(all => all.Count(e => e.HasSeq) == westChanges, $"the {westChanges} 7W changes replayed");
            Assert.That(westAgain.FeedOf(West).Keys, Does.Not.Contain(raised.Id), "Resume on 7W from 0");
        }

        await using (var westLater = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", West)))
        {
            var removals = changes.Count(c => c.Unit == West && c.Seq > westBefore);
            await westLater.ResumeAsync(new Dictionary<string, long> { [West] = westBefore });
            var replay = await westLater.WaitForAsync(all => all.Count(e => e.HasSeq) == removals, "the replayed removals");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(replay.Where(e => e.HasSeq).Select(e => (e.Kind, e.Unit, e.MovedTo)), Is.All.EqualTo((HubEvent.Moved, West, East)));
                Assert.That(replay.Where(e => e.HasSeq).Select(e => e.Seq), Does.Contain(offWest.Seq));
            }
        }

        await using (var eastAgain = await AlertListener.ConnectAsync(host, host.TokenFor("nurse", East)))
        {
            var eastChanges = changes.Count(c => c.Unit == East);
            await eastAgain.ResumeAsync(new Dictionary<string, long> { [East] = 0 });
            await eastAgain.WaitForAsync(all => all.Count(e => e.HasSeq) == eastChanges, $"the {eastChanges} 5E changes replayed");
            var feed = eastAgain.FeedOf(East);
            Assert.That(feed.Keys, Is.EquivalentTo(east.FeedOf(East).Keys).And.Contain(raised.Id), "Resume on 5E from 0");
            AlertSchema.AssertValid(feed[raised.Id]);
        }

        // The HTTP API: on 5E only; 7W staff are refused the patient's alerts and the alert itself.
        using var westNurse = FreshClient(host, "nurse", West);
        using var eastNurse = FreshClient(host, "nurse", East);
        var westList = JsonNode.Parse(await Ok(await westNurse.GetAsync($"/api/units/{West}/alerts")))!["alerts"]!.AsArray();
        var eastList = JsonNode.Parse(await Ok(await eastNurse.GetAsync($"/api/units/{East}/alerts")))!["alerts"]!.AsArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(westList.Select(a => Text(a!, "id")), Does.Not.Contain(raised.Id), "GET /api/units/7W/alerts no longer lists it");
            Assert.That(eastList.Select(a => (Text(a!, "id"), Text(a!, "unit"))), Does.Contain((raised.Id, East)));
            Assert.That((await westNurse.GetAsync("/api/patients/p-move/alerts")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the patient is no longer on 7W");
            Assert.That((await westNurse.PostAsync($"/api/alerts/{raised.Id}/acknowledge", null)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "the alert is 5E's");
        }

        await Ok(await eastNurse.PostAsync($"/api/alerts/{raised.Id}/acknowledge", null));
        var history = Single(await AlertsOfAsync(eastNurse, "p-move"), "crs");
        var moved = history["actions"]!.AsArray().Single(a => Text(a!, "action") == "moved")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Actions(history), Is.EqualTo(new[] { "raised", "escalated", "moved", "acknowledged" }));
            Assert.That((Text(moved, "by"), Text(moved, "note"), moved["at"]!.GetValue<DateTimeOffset>()), Is.EqualTo((AdtSubject, "from 7W to 5E", transferred)));
        }

        var audit = await AuditRowsAsync(host, "fhir.update", 1);
        Assert.That(audit.Where(r => r.ResourceType == "Encounter").Select(r => r.Detail), Has.Some.Contains($"Alert/{raised.Id} from 7W to 5E"));
    }

    [Test]
    public async Task AcknowledgedAlert_KeepsItsStateWhenMoved_ADischargeMovesNothing_AndAResolvedAlertStaysWhereItWas()
    {
        await AdmitAsync(adt, "p-ack", West);
        await ObservationAsync(adt, Temperature("p-ack", 38.4m, "Cel", Day.AddMinutes(-1)));
        using var westNurse = FreshClient(host, "nurse", West);
        using var eastNurse = FreshClient(host, "nurse", East);
        var id = Text(Single(await AlertsOfAsync(westNurse, "p-ack"), "crs"), "id");
        host.Time.SetUtcNow(Day.AddMinutes(2));
        await Ok(await westNurse.PostAsync($"/api/alerts/{id}/acknowledge", null));

        host.Time.SetUtcNow(Day.AddMinutes(4));
        await AdmitAsync(adt, "p-ack", East);
        var moved = Single(await AlertsOfAsync(eastNurse, "p-ack"), "crs");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(moved, "unit"), Is.EqualTo(East));
            Assert.That(Text(moved, "state"), Is.EqualTo("acknowledged"), "an acknowledged alert stays acknowledged");
            Assert.That(moved["acknowledgedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day.AddMinutes(2)));
            Assert.That(NextAt(moved), Is.Null, "and does not escalate");
        }

        // Discharge: the Encounter finishes, the patient is on no unit; the open alert stays with 5E, which can still close it.
        host.Time.SetUtcNow(Day.AddMinutes(6));
        var changesBefore = (await ChangesAsync(host)).Count;
        await Ok(await adt.PutAsync("/fhir/Encounter/enc-p-ack", Body(Encounter("enc-p-ack", "p-ack", East).Replace("in-progress", "finished", StringComparison.Ordinal))));
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await ChangesAsync(host)).Count, Is.EqualTo(changesBefore), "a discharge moves nothing");
            Assert.That((await AlertRowsAsync(host)).Single(r => r.Id == id).Unit, Is.EqualTo(East));
        }

        await Ok(await eastNurse.PostAsync($"/api/alerts/{id}/resolve", null));

        // Readmitted to 7W: the resolved alert stays on 5E; a resolved alert follows nobody.
        await AdmitAsync(adt, "p-ack", West);
        var rows = await AlertRowsAsync(host);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows.Single(r => r.Id == id).Unit, Is.EqualTo(East));
            Assert.That(rows.Single(r => r.Id == id).State, Is.EqualTo("resolved"));
            Assert.That((await ChangesAsync(host)).Where(c => c.Kind == HubEvent.Moved && c.AlertId == id).Select(c => c.Unit), Is.EquivalentTo(new[] { West, East }), "only the one transfer moved it");
        }
    }

    [Test]
    public async Task SeveralInProgressEncounters_TheAlertsAreOnTheFirstUnitInOrdinalOrder_AndFollowWhenThatEncounterEnds()
    {
        await AdmitAsync(adt, "p-two", West);
        await ObservationAsync(adt, Temperature("p-two", 38.4m, "Cel", Day.AddMinutes(-1)));
        var id = (await CrsAlertAsync("p-two")).Id;

        // A second in-progress encounter, on 5E: "5E" sorts before "7W", so the open alert goes to 5E (one rule for raising and moving).
        await Ok(await adt.PutAsync($"/fhir/Location/{East}", Body(Location(East))));
        await Ok(await adt.PutAsync("/fhir/Encounter/enc-p-two-5e", Body(Encounter("enc-p-two-5e", "p-two", East))));
        Assert.That((await CrsAlertAsync("p-two")).Unit, Is.EqualTo(East));

        // The 5E encounter ends; the patient is still on 7W: the alert goes back to 7W.
        await Ok(await adt.PutAsync("/fhir/Encounter/enc-p-two-5e", Body(Encounter("enc-p-two-5e", "p-two", East).Replace("in-progress", "finished", StringComparison.Ordinal))));
        var moves = (await ChangesAsync(host)).Where(c => c.Kind == HubEvent.Moved && c.AlertId == id).Select(c => c.Unit).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await CrsAlertAsync("p-two")).Unit, Is.EqualTo(West));
            Assert.That(moves, Is.EquivalentTo(new[] { West, East, East, West }), "7W → 5E, then 5E → 7W: each move told to both units");
        }
    }

    [Test]
    public async Task AdmissionCommittedWhileTheFeverIsBeingGraded_WaitsForTheRaise_AndMovesTheAlertItRaised()
    {
        // The interleaving that loses an alert without the patient lock: the fever's transaction has read "no unit" and
        // is about to write its alert on "unassigned" when the admission reads the patient's alerts (none yet) and commits.
        // Held here at that point by a row lock on unassigned's seq row (PostgreSQL; SQLite has one writer, so it cannot happen).
        if (provider == StorageProvider.Sqlite)
        {
            Assert.Ignore("SQLite has one writer: the fever and the admission cannot interleave");
        }

        await Ok(await adt.PutAsync($"/fhir/Location/{West}", Body(Location(West))));
        await Ok(await adt.PutAsync("/fhir/Patient/p-race", Body(Patient("p-race"))));
        var database = host.Services.GetRequiredService<Database>();
        await using var blocker = await database.OpenAsync(CancellationToken.None);
        await using var hold = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync(
            "INSERT INTO unit_alert_seq (unit, last_seq) VALUES ('unassigned', 0) ON CONFLICT DO NOTHING; UPDATE unit_alert_seq SET last_seq = last_seq WHERE unit = 'unassigned'",
            transaction: hold);

        var fever = Task.Run(() => ObservationAsync(adt, Temperature("p-race", 38.7m, "Cel", Day.AddMinutes(-2))));
        await WaitUntilAsync(async () => await WaitingAsync() >= 1, () => "the fever's transaction waiting on the seq row of unassigned");
        var admission = Task.Run(async () => await Ok(await adt.PutAsync("/fhir/Encounter/enc-p-race", Body(Encounter("enc-p-race", "p-race", West)))));
        await WaitUntilAsync(async () => admission.IsCompleted || await WaitingAsync() >= 2, () => "the admission committed or waiting for the patient");
        await hold.RollbackAsync();
        await Task.WhenAll(fever, admission);

        var crs = await CrsAlertAsync("p-race");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs.Unit, Is.EqualTo(West), "the alert raised while the admission was in flight followed the patient");
            Assert.That(await ScalarAsync("SELECT COUNT(*) FROM alert WHERE unit = 'unassigned' AND state <> 'resolved'"), Is.Zero);
        }

        async Task<long> WaitingAsync()
        {
            await using var probe = await database.OpenAsync(CancellationToken.None);
            return await probe.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        }
    }

    [Test]
    public async Task ATokenNamingUnassignedAsAUnit_SeesNoneOfItsAlerts_OverTheHubOrHttp()
    {
        var token = host.Token("--role", "nurse", "--unit", AlertUnit.Unassigned, "--unit", West, "--sub", "nurse-odd");
        await using var odd = await AlertListener.ConnectAsync(host, token);
        await Ok(await adt.PutAsync("/fhir/Patient/p-nowhere", Body(Patient("p-nowhere"))));
        await ObservationAsync(adt, Temperature("p-nowhere", 38.6m, "Cel", Day.AddMinutes(-1)));
        var id = (await CrsAlertAsync("p-nowhere")).Id;

        var seqs = await odd.ResumeAsync(new Dictionary<string, long> { [AlertUnit.Unassigned] = 0, [West] = 0 });
        using var client = host.ClientWith(token);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seqs.Keys, Is.EqualTo(new[] { West }), "Resume ignores unassigned");
            Assert.That(odd.Events.Where(e => e.HasSeq), Is.Empty, "nothing of unassigned replayed or pushed");
            Assert.That((await client.GetAsync($"/api/units/{AlertUnit.Unassigned}/alerts")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await client.PostAsync($"/api/alerts/{id}/acknowledge", null)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }

        // And a 7W change pushed after the raise is the barrier: had the unassigned one been pushed, it would be there first.
        await AdmitAsync(adt, "p-here", West);
        await ObservationAsync(adt, Temperature("p-here", 38.6m, "Cel", Day.AddMinutes(-1)));
        await odd.WaitForAlertAsync(e => e is { Kind: HubEvent.Raised, PatientId: "p-here" }, "the 7W alert");
        Assert.That(odd.Events.Where(e => e.HasSeq).Select(e => e.Unit), Is.All.EqualTo(West));
    }

    [Test]
    public async Task TransferInATransactionBundle_MovesTheAlert_AndOnlyTheEncounterEntrysAuditRowNamesTheMove()
    {
        await AdmitAsync(adt, "p-bundle", West);
        await ObservationAsync(adt, Temperature("p-bundle", 38.5m, "Cel", Day.AddMinutes(-3)));
        var id = (await CrsAlertAsync("p-bundle")).Id;

        // ADT and vitals in one transaction: the transfer to 5E (Encounter entries are written first) and a new temperature.
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Temperature("p-bundle", 38.8m, "Cel", Day.AddMinutes(-1))}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{Encounter("enc-p-bundle", "p-bundle", East)}}},"request":{"method":"PUT","url":"Encounter/enc-p-bundle"}}]}
            """;
        await Ok(await adt.PostAsync("/fhir", Body(bundle)));

        var rows = await AuditRowsAsync(host, "fhir.transaction", 2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await CrsAlertAsync("p-bundle")).Unit, Is.EqualTo(East));
            Assert.That(rows.Single(r => r.ResourceType == "Encounter").Detail, Does.Contain($"Alert/{id} from 7W to 5E"));
            Assert.That(rows.Single(r => r.ResourceType == "Observation").Detail, Is.Null, "the other entry's row does not inherit the move");
        }
    }

    /// <summary>The patient's CRS alert row (a fever alone may raise others, e.g. an ICANS review).</summary>
    private async Task<AlertSeqRow> CrsAlertAsync(string patient)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.QuerySingleAsync<AlertSeqRow>(
            "SELECT id AS Id, unit AS Unit, seq AS Seq, state AS State, escalation_tier AS Tier FROM alert WHERE patient_id = @Patient AND condition = 'crs'",
            new { Patient = patient });
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
