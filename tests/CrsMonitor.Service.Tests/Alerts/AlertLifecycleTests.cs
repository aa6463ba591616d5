using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Monitoring.Schedule;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Monitoring.Schedule.MonitoringHost;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// raised → acknowledged → resolved over HTTP (POST /api/alerts/{id}/acknowledge, /resolve): 409 once done, 403 for a
/// nurse of another unit and for integration tokens, 404 for an unknown id; every step an alert_action (the "actions"
/// of GET /api/patients/{id}/alerts) and an audit_log row; concurrent acknowledgements acknowledge once; a worse grade
/// after an acknowledgement or a resolution needs attention again.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AlertLifecycleTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient ann = null!;
    private HttpClient doctor = null!;

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = Listening(database, Day);
        integration = FreshClient(host, "integration");
        ann = host.CreateDefaultClient(new FreshTokenHandler(() => host.Token("--role", "nurse", "--unit", West, "--sub", "nurse-ann")));
        doctor = host.CreateDefaultClient(new FreshTokenHandler(() => host.Token("--role", "physician", "--unit", West, "--sub", "dr-lee")));
        await AdmitAsync(integration, "p-life", West);
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        ann.Dispose();
        doctor.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private async Task<string> RaiseCrsAsync(string patient = "p-life")
    {
        await ObservationAsync(integration, Temperature(patient, 38.4m, "Cel", host.Time.GetUtcNow().AddMinutes(-5)));
        return Text(Single(await AlertsOfAsync(ann, patient), "crs"), "id");
    }

    [Test]
    public async Task Status_ListsTheOpenAlerts_AsTheAlertApiReturnsThem_UntilResolved()
    {
        var id = await RaiseCrsAsync();
        Assert.That(await OpenInStatusAsync(), Is.EqualTo(await OpenInAlertApiAsync()).And.Not.Empty);
        Assert.That(await OpenInStatusAsync(), Has.Some.Contain(id));

        await Ok(await ann.PostAsync($"/api/alerts/{id}/acknowledge", ServiceHost.Json("""{"note":"seen"}""")));
        Assert.That(await OpenInStatusAsync(), Is.EqualTo(await OpenInAlertApiAsync()).And.Some.Contain(id), "acknowledged is still open");

        await Ok(await doctor.PostAsync($"/api/alerts/{id}/resolve", ServiceHost.Json("""{"note":"afebrile"}""")));
        Assert.That(await OpenInStatusAsync(), Is.EqualTo(await OpenInAlertApiAsync()).And.None.Contain(id), "a resolved alert is no longer listed");
    }

    private async Task<List<string>> OpenInStatusAsync() =>
        [.. JsonNode.Parse(await Ok(await ann.GetAsync("/api/patients/p-life/status")))!["alerts"]!.AsArray().Select(a => a!.ToJsonString())];

    /// <summary>The alert API's documents of the patient's alerts that are not resolved, without their "actions".</summary>
    private async Task<List<string>> OpenInAlertApiAsync()
    {
        var open = new List<string>();
        foreach (var alert in (await AlertsOfAsync(ann, "p-life")).Where(a => a!["state"]!.GetValue<string>() != "resolved"))
        {
            var copy = alert!.DeepClone().AsObject();
            copy.Remove("actions");
            open.Add(copy.ToJsonString());
        }

        return open;
    }

    [Test]
    public async Task Acknowledge_ThenResolve_EachOnce_409WhenAlreadyDone_EveryStepAnActionAndAnAuditRow()
    {
        var id = await RaiseCrsAsync();
        host.Time.Advance(TimeSpan.FromMinutes(2));
        var acknowledged = await ann.PostAsync($"/api/alerts/{id}/acknowledge", ServiceHost.Json("""{"note":"at the bedside"}"""));
        var ackBody = JsonNode.Parse(await acknowledged.Content.ReadAsStringAsync())!;
        var again = await ann.PostAsync($"/api/alerts/{id}/acknowledge", null);
        var againBody = await again.Content.ReadAsStringAsync();

        host.Time.Advance(TimeSpan.FromMinutes(3));
        var resolved = await doctor.PostAsync($"/api/alerts/{id}/resolve", null);
        var resolvedBody = JsonNode.Parse(await resolved.Content.ReadAsStringAsync())!;
        var resolveAgain = await doctor.PostAsync($"/api/alerts/{id}/resolve", null);
        var acknowledgeResolved = await ann.PostAsync($"/api/alerts/{id}/acknowledge", null);

        var alert = Single(await AlertsOfAsync(ann, "p-life"), "crs");
        var actions = alert["actions"]!.AsArray();
        var acknowledgeAudit = await AuditRowsAsync(host, "alert.acknowledge", 3);
        var resolveAudit = await AuditRowsAsync(host, "alert.resolve", 2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(acknowledged.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Text(ackBody, "state"), Is.EqualTo("acknowledged"));
            Assert.That(Text(ackBody, "acknowledgedBy"), Is.EqualTo("nurse-ann"));
            Assert.That(ackBody["acknowledgedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day.AddMinutes(2)));
            Assert.That(NextAt(ackBody), Is.Null, "an acknowledged alert escalates no further");
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), againBody);
            Assert.That(againBody, Does.Contain("nurse-ann"), "the 409 says who did it");

            Assert.That(resolved.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Text(resolvedBody, "state"), Is.EqualTo("resolved"));
            Assert.That(Text(resolvedBody, "resolvedBy"), Is.EqualTo("dr-lee"));
            Assert.That(resolvedBody["resolvedAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(Day.AddMinutes(5)));
            Assert.That(resolveAgain.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
            Assert.That(acknowledgeResolved.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));

            Assert.That(actions.Select(a => (Text(a!, "action"), Text(a!, "by"), Text(a!, "role"))), Is.EqualTo(new[]
            {
                ("raised", "crsmonitor", "system"),
                ("acknowledged", "nurse-ann", "nurse"),
                ("resolved", "dr-lee", "physician"),
            }));
            Assert.That(actions[1]!["note"]!.GetValue<string>(), Is.EqualTo("at the bedside"));
            Assert.That(actions.Select(a => a!["at"]!.GetValue<DateTimeOffset>()), Is.EqualTo(new[] { Day, Day.AddMinutes(2), Day.AddMinutes(5) }));
            Assert.That(Text(alert, "state"), Is.EqualTo("resolved"));

            var ok = acknowledgeAudit.Where(r => r.Outcome == "success").ToList();
            Assert.That(ok, Has.Count.EqualTo(1), "one successful acknowledgement audited");
            Assert.That(ok.Select(r => (r.Actor, r.ResourceType, r.ResourceId, r.PatientId, r.At)), Is.EqualTo(new[] { ((string?)"nurse-ann", (string?)"Alert", (string?)id, (string?)"p-life", Day.AddMinutes(2)) }));
            Assert.That(ok[0].Role, Does.Contain("nurse"));
            Assert.That(ok[0].Detail, Does.Contain("at the bedside"));
            Assert.That(acknowledgeAudit.Count(r => r.Outcome != "success"), Is.EqualTo(2), "the two refused acknowledgements are audited too");
            Assert.That(resolveAudit.Where(r => r.Outcome == "success").Select(r => r.Actor), Is.EqualTo(new[] { "dr-lee" }));
        }
    }

    [Test]
    public async Task AnotherUnitsNurse_Gets403_IntegrationGets403_UnknownIs404_AndTheAlertIsUnchanged()
    {
        var id = await RaiseCrsAsync();
        using var east = FreshClient(host, "nurse", East);
        var eastAck = await east.PostAsync($"/api/alerts/{id}/acknowledge", null);
        var eastResolve = await east.PostAsync($"/api/alerts/{id}/resolve", null);
        var eastList = await east.GetAsync("/api/patients/p-life/alerts");
        var eastUnit = await east.GetAsync($"/api/units/{West}/alerts");
        var feed = await integration.PostAsync($"/api/alerts/{id}/acknowledge", null);
        using var admin = FreshClient(host, "admin");
        var adminAck = await admin.PostAsync($"/api/alerts/{id}/acknowledge", null);
        using var anonymous = host.CreateClient();
        var noToken = await anonymous.PostAsync($"/api/alerts/{id}/acknowledge", null);
        var unknown = await ann.PostAsync("/api/alerts/no-such-alert/acknowledge", null);
        var badBody = await ann.PostAsync($"/api/alerts/{id}/acknowledge", ServiceHost.Json("""{"note":"x","extra":1}"""));

        var alert = Single(await AlertsOfAsync(ann, "p-life"), "crs");
        var denied = (await AuditRowsAsync(host, "alert.acknowledge", 1)).Where(r => r.Outcome == "denied").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(eastAck.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(eastResolve.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(eastList.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(eastUnit.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(feed.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(adminAck.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(noToken.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(badBody.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), "an unknown field is refused, naming it");
            Assert.That(await badBody.Content.ReadAsStringAsync(), Does.Contain("extra"));
            Assert.That(Text(alert, "state"), Is.EqualTo("raised"));
            Assert.That(Actions(alert), Is.EqualTo(new[] { "raised" }));
            Assert.That(denied.Select(r => r.ResourceId), Does.Contain(id), "the refused acknowledgement of the 5E nurse is audited");
        }
    }

    [Test]
    public async Task ConcurrentAcknowledgements_AcknowledgeOnce_TheOthersGet409()
    {
        var id = await RaiseCrsAsync();
        var nurses = Enumerable.Range(1, 8)
            .Select(i => host.CreateDefaultClient(new FreshTokenHandler(() => host.Token("--role", "nurse", "--unit", West, "--sub", $"nurse-{i}"))))
            .ToList();
        try
        {
            var answers = await Task.WhenAll(nurses.Select(n => n.PostAsync($"/api/alerts/{id}/acknowledge", null)));
            var alert = Single(await AlertsOfAsync(ann, "p-life"), "crs");
            var codes = answers.Select(a => a.StatusCode).ToList();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(codes.Count(c => c == HttpStatusCode.OK), Is.EqualTo(1), string.Join(", ", codes));
                Assert.That(codes.Count(c => c == HttpStatusCode.Conflict), Is.EqualTo(7), string.Join(", ", codes));
                Assert.That(Actions(alert).Count(a => a == "acknowledged"), Is.EqualTo(1), "one acknowledgement recorded");
            }
        }
        finally
        {
            nurses.ForEach(n => n.Dispose());
        }
    }

    [Test]
    public async Task WorseGrade_AfterAcknowledgement_NeedsAcknowledgingAgain_AndAfterResolution_IsRaisedAgain()
    {
        var id = await RaiseCrsAsync();
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await Ok(await ann.PostAsync($"/api/alerts/{id}/acknowledge", null));
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ObservationAsync(integration, OxygenDevice("p-life", "nasal-cannula", host.Time.GetUtcNow().AddMinutes(-1), flow: 3m));
        var rearmed = Single(await AlertsOfAsync(ann, "p-life"), "crs");

        host.Time.Advance(TimeSpan.FromMinutes(1));
        await Ok(await doctor.PostAsync($"/api/alerts/{id}/resolve", null));
        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ObservationAsync(integration, Temperature("p-life", 38.9m, "Cel", host.Time.GetUtcNow().AddMinutes(-1)));
        var sameGrade = Single(await AlertsOfAsync(ann, "p-life"), "crs");

        host.Time.Advance(TimeSpan.FromMinutes(1));
        await ObservationAsync(integration, OxygenDevice("p-life", "non-rebreather", host.Time.GetUtcNow().AddMinutes(-1)));
        var worse = Single(await AlertsOfAsync(ann, "p-life"), "crs");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(rearmed, "id"), Is.EqualTo(id));
            Assert.That(rearmed["grade"]!.GetValue<int>(), Is.EqualTo(2));
            Assert.That(Text(rearmed, "state"), Is.EqualTo("raised"), "worse than what was acknowledged: raised again");
            Assert.That(rearmed["acknowledgedBy"], Is.Null);
            Assert.That(NextAt(rearmed), Is.EqualTo(Day.AddMinutes(2 + 5)), "escalates again from the re-arming");

            Assert.That(Text(sameGrade, "state"), Is.EqualTo("resolved"), "no worse than when resolved: stays resolved");
            Assert.That(Text(worse, "id"), Is.EqualTo(id), "one alert per condition per episode");
            Assert.That(worse["grade"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(Text(worse, "state"), Is.EqualTo("raised"), "CRS grade 3 after a grade 2 was resolved must not be silent");
            Assert.That(worse["resolvedAt"], Is.Null);
            Assert.That(Tier(worse), Is.Zero);
            Assert.That(NextAt(worse), Is.EqualTo(Day.AddMinutes(5 + 5)));
            Assert.That(Actions(worse), Is.EqualTo(new[] { "raised", "acknowledged", "updated", "resolved", "updated" }));
        }
    }

    [Test]
    public async Task AnotherMissedCheck_AfterTheOverdueAlertWasResolved_RaisesItAgain()
    {
        await PostAsync(integration, "MedicationAdministration", Tarlatamab("p-life", Day, Day.AddHours(1)));
        await SettleAsync(host);
        host.Time.SetUtcNow(Day.AddHours(4).AddMinutes(15));
        await SettleAsync(host);
        var overdue = Single(await AlertsOfAsync(ann, "p-life"), "check-overdue");

        // The nurse takes the late vital signs and resolves the alert.
        host.Time.SetUtcNow(Day.AddHours(4).AddMinutes(30));
        await VitalsAsync(integration, "p-life", Day.AddHours(4).AddMinutes(30));
        await Ok(await ann.PostAsync($"/api/alerts/{Text(overdue, "id")}/resolve", null));
        host.Time.SetUtcNow(Day.AddHours(5));
        await SettleAsync(host);
        var quiet = Single(await AlertsOfAsync(ann, "p-life"), "check-overdue");

        // The 8 h checks are missed too.
        host.Time.SetUtcNow(Day.AddHours(8).AddMinutes(15));
        await SettleAsync(host);
        var again = Single(await AlertsOfAsync(ann, "p-life"), "check-overdue");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(quiet, "state"), Is.EqualTo("resolved"), "nothing new: stays resolved");
            Assert.That(Text(again, "id"), Is.EqualTo(Text(overdue, "id")), "one alert per patient");
            Assert.That(Text(again, "state"), Is.EqualTo("raised"), "a newly missed check must not be silent");
            Assert.That(Text(again, "message"), Does.Contain(Iso(Day.AddHours(8))[..16]));
            Assert.That(NextAt(again), Is.EqualTo(Day.AddHours(8).AddMinutes(20)));
            Assert.That(Actions(again).Where(a => a != "escalated"), Is.EqualTo(new[] { "raised", "resolved", "updated" }), "escalated while unresolved meanwhile");
            Assert.That(Tier(again), Is.Zero, "re-armed: escalates again from the unit's nurses");
        }
    }

    [Test]
    public async Task UnitAlerts_ListOpenByDefault_AllOnRequest_WithTheUnitsLastSeq()
    {
        var id = await RaiseCrsAsync();
        await Ok(await doctor.PostAsync($"/api/alerts/{id}/resolve", null));
        var open = JsonNode.Parse(await Ok(await ann.GetAsync($"/api/units/{West}/alerts")))!;
        var all = JsonNode.Parse(await Ok(await ann.GetAsync($"/api/units/{West}/alerts?state=all")))!;
        var bad = await ann.GetAsync($"/api/units/{West}/alerts?state=closed");
        var changes = await ChangesAsync(host);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(open["alerts"]!.AsArray().Select(a => Text(a!, "id")), Does.Not.Contain(id));
            Assert.That(all["alerts"]!.AsArray().Select(a => Text(a!, "id")), Does.Contain(id));
            Assert.That(all["alerts"]!.AsArray().Select(a => Text(a!, "patientName")), Is.All.EqualTo("p-life Test"));
            Assert.That(open["lastSeq"]!.GetValue<long>(), Is.EqualTo(changes.Where(c => c.Unit == West).Max(c => c.Seq)));
            Assert.That(bad.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        }

        foreach (var alert in all["alerts"]!.AsArray())
        {
            AlertSchema.AssertValid(alert!);
        }
    }
}
