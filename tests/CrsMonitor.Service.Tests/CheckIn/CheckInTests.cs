using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.CheckIn;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Alerts.AlertKit;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.CheckIn;

/// <summary>
/// The patient and caregiver check-in (issue 17 item 5) over HTTP, on SQLite and PostgreSQL: a nurse or physician of
/// the unit creates a code (shown once, only its hash kept) that expires with the monitoring, revokes it; the code opens
/// only its patient's check-in; a submission is written as FHIR resources through the one write path (temperature with
/// the caregiver as performer, MedicationStatement, home-check-in QuestionnaireResponse) and a neuro symptom raises one
/// urgent <c>assess-ice-now</c> per submission, caregiver-reported, never an ICANS grade. Every unusable code gets the
/// same refusal; every creation, revocation, use and refusal is audited.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class CheckInTests(StorageProvider provider)
{
    private const string PatientId = "p-home";
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;
    private HttpClient anonymous = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(T(2));
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", West);
        anonymous = host.ClientWith(null);
        await AdmitAsync(integration, PatientId, West);
        await Ok(await nurse.PostAsync($"/api/patients/{PatientId}/windows",
            ServiceHost.Json("""{"minHours":22,"maxHours":24,"reason":"home after C1D1"}""")));
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        anonymous.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private async Task<string> CreateCodeAsync(HttpClient? clinician = null)
    {
        var created = JsonNode.Parse(await Ok(await (clinician ?? nurse).PostAsync($"/api/patients/{PatientId}/checkin-code", null)))!;
        return created["code"]!.GetValue<string>();
    }

    private Task<HttpResponseMessage> SubmitAsync(string code, string rest) =>
        anonymous.PostAsync("/api/checkin/submissions", ServiceHost.Json($$"""{"code":"{{code}}",{{rest}}}"""));

    private static string Submission(string symptoms = "\"confusion\"", string medicines = "") => $$"""
        "reportedBy":"caregiver","temperature":{"value":38.6,"unit":"Cel"},"symptoms":[{{symptoms}}],"medicines":[{{medicines}}]
        """;

    [Test]
    public async Task ACode_IsShownOnce_StoredAsItsHashOnly_AndExpiresAtTheEndOfTheOpenWindow()
    {
        var response = await nurse.PostAsync($"/api/patients/{PatientId}/checkin-code", null);
        var created = JsonNode.Parse(await Ok(response))!;
        var code = created["code"]!.GetValue<string>();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created));
            Assert.That(CheckInCodes.Normalise(code), Has.Length.EqualTo(CheckInCodes.Length), "20 base32 characters: 100 random bits");
            Assert.That(created["expiresAt"]!.GetValue<DateTimeOffset>(), Is.EqualTo(T(2 + 24)), "the window's latest end");
            Assert.That(created["link"]!.GetValue<string>(), Is.EqualTo($"/checkin/#code={code}"));
        }

        await using var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var rows = (await c.QueryAsync<(string Hash, string PatientId)>("SELECT code_hash, patient_id FROM checkin_code")).ToList();
        Assert.That(rows, Is.EqualTo(new[] { (CheckInCodes.Hash(CheckInCodes.Normalise(code)!), PatientId) }));
        var state = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{PatientId}/checkin-code")))!;
        Assert.That(state.ToJsonString(), Does.Not.Contain(code).And.Contain("expiresAt"));
        await AuditRowsAsync(host, "checkin.code.create", 1);
    }

    [Test]
    public async Task NoOpenWindow_NoCode_409()
    {
        await AdmitAsync(integration, "p-nowin", West);
        var response = await nurse.PostAsync("/api/patients/p-nowin/checkin-code", null);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task ASubmission_IsWrittenAsFhir_ThroughTheOneWritePath_AndANeuroSymptomRaisesAssessIceNow_CaregiverReported()
    {
        var code = await CreateCodeAsync();
        var session = JsonNode.Parse(await Ok(await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json($$"""{"code":"{{code.ToLowerInvariant()}}"}"""))))!;
        Assert.That(session["symptoms"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()),
            Is.EqualTo(new[] { "confusion", "word-finding", "tremor-handwriting", "sleepiness", "seizure" }));
        Assert.That(session.ToJsonString(), Does.Not.Contain(PatientId), "the page learns nothing about who the patient is");

        var response = await SubmitAsync(code, Submission(medicines: $$"""{"drug":"dexamethasone","takenAt":"{{Iso(T(1))}}"}"""));
        var sent = JsonNode.Parse(await Ok(response))!;
        var resources = sent["resources"]!.AsArray().Select(r => r!.GetValue<string>()).ToList();
        Assert.That(resources.Select(r => r.Split('/')[0]), Is.EquivalentTo(new[] { "Observation", "MedicationStatement", "QuestionnaireResponse" }));

        // Ordinary FHIR resources, readable by the unit's nurse; the temperature's performer is the caregiver.
        var observation = JsonNode.Parse(await Ok(await nurse.GetAsync("/fhir/" + resources.Single(r => r.StartsWith("Observation/", StringComparison.Ordinal)))))!;
        Assert.That(observation["performer"]![0]!["type"]!.GetValue<string>(), Is.EqualTo("RelatedPerson"));

        // Graded as any temperature: fever, CRS grade 1 (the reported dexamethasone is in the medication context).
        var status = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{PatientId}/status")))!;
        Assert.That(status["crs"]!["grade"]!.GetValue<int>(), Is.EqualTo(1), status["crs"]!.ToJsonString());
        Assert.That(status["icans"]!["grade"], Is.Null, "a reported symptom is not an ICANS grade");

        // One urgent alert, at once (not held for the round settle), on the patient's unit, caregiver-reported.
        var alert = Single(await AlertsOfAsync(nurse, PatientId), "assess-ice-now");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Text(alert, "state"), Is.EqualTo("raised"));
            Assert.That(Text(alert, "unit"), Is.EqualTo(West));
            Assert.That(Text(alert, "reportedBy"), Is.EqualTo("caregiver"));
            Assert.That(alert["basis"]!["flags"]!.AsArray().Select(f => f!.GetValue<string>()), Does.Contain("caregiver-reported"));
            Assert.That(RuleIds(alert), Is.EqualTo(new[] { "assess-ice-now" }));
            Assert.That(Text(alert, "message"), Does.Contain("confusion").And.Contain("Caregiver-reported").And.Contain("Not an ICANS grade"));
            Assert.That(ReadingsOf(alert), Is.EqualTo(new[] { resources.Single(r => r.StartsWith("QuestionnaireResponse/", StringComparison.Ordinal)) }));
        }

        var unit = JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/units/{West}/alerts")))!["alerts"]!.AsArray();
        Assert.That(unit.Count(a => a!["condition"]!.GetValue<string>() == "assess-ice-now"), Is.EqualTo(1));

        // Audited: the submission's writes under the code (role checkin), naming the patient.
        var rows = await AuditRowsAsync(host, "checkin.submit", 3);
        Assert.That(rows.Select(r => (r.Role, r.PatientId, r.Outcome)).Distinct(), Is.EqualTo(new[] { ("checkin", PatientId, "success") }));
    }

    [Test]
    public async Task OneAlertPerSubmission_ThatReportsANeuroSymptom_NoneForASubmissionWithout()
    {
        var code = await CreateCodeAsync();
        await Ok(await SubmitAsync(code, Submission(symptoms: string.Empty)));
        Assert.That(OfCondition(await AlertsOfAsync(nurse, PatientId), "assess-ice-now"), Is.Empty, "no neuro symptom, no alert");
        await Ok(await SubmitAsync(code, Submission(symptoms: "\"word-finding\",\"sleepiness\"")));
        host.Time.Advance(TimeSpan.FromMinutes(30));
        await Ok(await SubmitAsync(code, Submission(symptoms: "\"seizure\"")));
        var alerts = OfCondition(await AlertsOfAsync(nurse, PatientId), "assess-ice-now");
        Assert.That(alerts, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task WrongExpiredAndRevokedCodes_GetOneGenericRefusal_EachAudited()
    {
        var code = await CreateCodeAsync();
        var wrong = await SubmitAsync("ABCDE-ABCDE-ABCDE-ABCDE", Submission());
        var garbage = await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json("""{"code":"x"}"""));

        await Ok(await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json($$"""{"code":"{{code}}"}""")));
        await Ok(await nurse.DeleteAsync($"/api/patients/{PatientId}/checkin-code"));
        var revoked = await SubmitAsync(code, Submission());

        var second = await CreateCodeAsync();
        await Ok(await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json($$"""{"code":"{{second}}"}""")));
        host.Time.SetUtcNow(T(2 + 24)); // the window's latest end: the code has expired exactly then
        var expired = await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json($$"""{"code":"{{second}}"}"""));

        var bodies = new List<string>();
        foreach (var r in new[] { wrong, garbage, revoked, expired })
        {
            Assert.That(r.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            var problem = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            bodies.Add(problem["detail"]!.GetValue<string>() + "|" + problem["title"]!.GetValue<string>());
        }

        Assert.That(bodies.Distinct(), Is.EqualTo(new[] { CheckInEndpoints.Refusal + "|Forbidden" }), "nothing tells a wrong code from an expired or revoked one");
        var denied = (await AuditRowsAsync(host, "checkin.open", 4)).Concat(await AuditRowsAsync(host, "checkin.submit", 2)).Where(r => r.Outcome == "denied").ToList();
        Assert.That(denied.Select(r => r.Detail), Is.EquivalentTo(new[] { "refused: no such code", "refused: no such code", "refused: revoked", "refused: expired" }));
        Assert.That(denied.Where(r => r.Detail != "refused: no such code").Select(r => r.PatientId), Is.All.EqualTo(PatientId), "the audit names whose code it was");
        await AuditRowsAsync(host, "checkin.code.revoke", 1);
    }

    [Test]
    public async Task ANewCode_RevokesTheOldOne()
    {
        var first = await CreateCodeAsync();
        var second = await CreateCodeAsync(host.ClientFor("physician", West));
        Assert.That((await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json($$"""{"code":"{{first}}"}"""))).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        await Ok(await anonymous.PostAsync("/api/checkin/session", ServiceHost.Json($$"""{"code":"{{second}}"}""")));
    }

    [TestCase("\"reportedBy\":\"neighbour\"", "reportedBy", TestName = "Submission_UnknownReporter_Is400_NamingReportedBy")]
    [TestCase("\"reportedBy\":\"patient\",\"temperature\":{\"value\":52,\"unit\":\"Cel\"}", "temperature.value", TestName = "Submission_ImpossibleTemperature_Is400_NamingIt")]
    [TestCase("\"reportedBy\":\"patient\",\"symptoms\":[\"headache\"]", "symptoms[0]", TestName = "Submission_UnknownSymptom_Is400_NamingIt")]
    [TestCase("\"reportedBy\":\"patient\",\"medicines\":[{\"drug\":\"tarlatamab\",\"takenAt\":\"2025-03-01T09:00:00Z\"}]", "medicines[0].drug", TestName = "Submission_AProtocolDrug_Is400_NotOnTheList")]
    [TestCase("\"reportedBy\":\"patient\",\"medicines\":[{\"drug\":\"ibuprofen\",\"takenAt\":\"2025-02-20T09:00:00Z\"}]", "medicines[0].takenAt", TestName = "Submission_AMedicineTakenTooLongAgo_Is400_NamingTakenAt")]
    public async Task BadSubmissions_Are400_NamingTheField_AndWriteNothing(string rest, string field)
    {
        var code = await CreateCodeAsync();
        var response = await SubmitAsync(code, rest);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key), Has.Member(field));
        await using var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        Assert.That(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM fhir_resource WHERE resource_type IN ('MedicationStatement', 'QuestionnaireResponse')"), Is.Zero);
    }

    [Test]
    public async Task TheCodeWritesOnlyItsOwnPatient_AndReadsNothing()
    {
        // The check-in writer is not a clinician: PatientAccess gives it FeedWrite on its own patient and nothing else.
        var writer = Service.Identity.CurrentUser.CheckIn("c1", PatientId);
        await AdmitAsync(integration, "p-other", West);
        await using var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Service.Identity.PatientAccess.AllowsAsync(c, writer, Service.Identity.PatientDataUse.FeedWrite, PatientId, CancellationToken.None), Is.True);
            Assert.That(await Service.Identity.PatientAccess.AllowsAsync(c, writer, Service.Identity.PatientDataUse.FeedWrite, "p-other", CancellationToken.None), Is.False);
            Assert.That(await Service.Identity.PatientAccess.AllowsAsync(c, writer, Service.Identity.PatientDataUse.Read, PatientId, CancellationToken.None), Is.False);
            Assert.That(await Service.Identity.PatientAccess.AllowsAsync(c, writer, Service.Identity.PatientDataUse.ClinicianAction, PatientId, CancellationToken.None), Is.False);
        }
    }

    [Test]
    public async Task TheCodeRoutes_RefuseOtherUnitsAndOtherRoles_WithAProblem_Audited()
    {
        foreach (var (client, expected) in new[]
        {
            (host.ClientFor("nurse", "5E"), HttpStatusCode.Forbidden),
            (host.ClientFor("physician", "5E"), HttpStatusCode.Forbidden),
            (host.ClientFor("integration"), HttpStatusCode.Forbidden),
            (host.ClientFor("admin"), HttpStatusCode.Forbidden),
            (host.ClientFor("researcher"), HttpStatusCode.Forbidden),
            (host.ClientWith(null), HttpStatusCode.Unauthorized),
        })
        {
            using (client)
            {
                foreach (var request in new[]
                {
                    new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{PatientId}/checkin-code"),
                    new HttpRequestMessage(HttpMethod.Get, $"/api/patients/{PatientId}/checkin-code"),
                    new HttpRequestMessage(HttpMethod.Delete, $"/api/patients/{PatientId}/checkin-code"),
                })
                {
                    using var response = await client.SendAsync(request);
                    Assert.That(response.StatusCode, Is.EqualTo(expected), $"{request.Method} {request.RequestUri}");
                    if (expected == HttpStatusCode.Forbidden)
                    {
                        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
                    }
                }
            }
        }

        Assert.That(await CountCodesAsync(), Is.Zero);
        // The other unit's nurse and physician reach the route and are refused by it; the other roles by the policy (rows named by the route).
        var denied = await AuditRowsAsync(host, "checkin.code.create", 2);
        Assert.That(denied.Select(r => (r.Outcome, r.PatientId)), Is.All.EqualTo(("denied", PatientId)));
    }

    private async Task<long> CountCodesAsync()
    {
        await using var c = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM checkin_code");
    }
}
