using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using static CrsMonitor.Service.Tests.Research.LabFhir;

namespace CrsMonitor.Service.Tests.Research;

/// <summary>
/// <c>GET /api/patients/{id}/biomarkers</c> over HTTP on each provider: laboratory results posted through FHIR come back
/// per analyte with their value as sent and their source version; EASIX and m-EASIX at each dose's infusion start and
/// over time, each with its formula, inputs and the notice, or no score with the reason; corrections and retractions
/// follow; the patient's unit only (another unit, admin, integration and researcher tokens 403), audited.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class BiomarkerEndpointTests(StorageProvider provider)
{
    /// <summary>A Monday after the tarlatamab US 2025-11 protocol took effect: the dose opens its windows.</summary>
    private static readonly DateTimeOffset Day = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private TestDatabase database = null!;
    private ServiceHost host = null!;

    private static DateTimeOffset H(double hours) => Day.AddHours(hours);

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(H(30));
    }

    [TearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    private static async Task<string> PostAsync(HttpClient client, string json) => await Ok(await client.PostAsync("/fhir/Observation", Body(json)));

    private static async Task<JsonNode> BiomarkersAsync(HttpClient client, string patient) =>
        JsonNode.Parse(await Ok(await client.GetAsync($"/api/patients/{patient}/biomarkers")))!;

    private static JsonNode Score(JsonNode answer, string key) => answer["scores"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == key)!;

    private static JsonNode Analyte(JsonNode answer, string key) => answer["analytes"]!.AsArray().Single(a => a!["key"]!.GetValue<string>() == key)!;

    [Test]
    public async Task LabsAndADose_GiveTheAnalytes_AndEasixAndModifiedEasix_AtTheDoseAndOverTime_WithFormulaInputsAndNotice()
    {
        using var integration = host.ClientFor(Roles.Integration);
        using var nurse = host.ClientFor(Roles.Nurse, "7W");
        await AdmitAsync(integration, "p-bio", "7W");
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication("p-bio", CrsMonitorMedication, "tarlatamab", H(10), H(11)))));
        await PostAsync(integration, Ldh("p-bio", 250m, H(4)));
        await PostAsync(integration, Creatinine("p-bio", 1.2m, H(4)));
        await PostAsync(integration, Platelets("p-bio", 150m, H(4)));
        await PostAsync(integration, Crp("p-bio", 30m, H(4)));
        await PostAsync(integration, Platelets("p-bio", 100m, H(20)));
        await PostAsync(integration, Crp("p-bio", 5m, H(26), comparator: "<"));
        await PostAsync(integration, Lab("p-bio", "48065-7", 0.8m, "ug/mL", H(20)));

        var answer = await BiomarkersAsync(nurse, "p-bio");
        var easix = Score(answer, "easix");
        var modified = Score(answer, "m-easix");
        var platelets = Analyte(answer, "platelets");
        var dDimer = Analyte(answer, "d-dimer");
        var crp = Analyte(answer, "crp");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(answer["patientId"]!.GetValue<string>(), Is.EqualTo("p-bio"));
            Assert.That(answer["analytes"]!.AsArray().Select(a => a!["key"]!.GetValue<string>()), Is.EqualTo(new[] { "crp", "ldh", "platelets", "creatinine", "d-dimer" }), "table order, present only");
            Assert.That(platelets["display"]!.GetValue<string>(), Is.EqualTo("Platelets"));
            Assert.That(platelets["unit"]!.GetValue<string>(), Is.EqualTo("10*9/L"));
            Assert.That(platelets["points"]!.AsArray().Select(p => (p!["value"]!.GetValue<decimal>(), p["original"]!.GetValue<string>())),
                Is.EqualTo(new[] { (150m, "150 10*3/uL"), (100m, "100 10*3/uL") }));
            Assert.That(platelets["points"]![0]!["source"]!["resourceType"]!.GetValue<string>(), Is.EqualTo("Observation"));
            Assert.That(platelets["points"]![0]!["source"]!["versionId"]!.GetValue<int>(), Is.EqualTo(1));
            Assert.That(platelets["points"]![0]!["qualifier"], Is.Null);
            Assert.That(DateTimeOffset.Parse(platelets["points"]![0]!["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(H(4)));
            Assert.That(dDimer["points"]![0]!["value"]!.GetValue<decimal>(), Is.EqualTo(800m));
            Assert.That(dDimer["points"]![0]!["qualifier"]!.GetValue<string>(), Is.EqualTo("FEU"));
            Assert.That(crp["points"]![1]!["value"], Is.Null, "censored: no number");
            Assert.That(crp["points"]![1]!["original"]!.GetValue<string>(), Is.EqualTo("<5 mg/L"));

            Assert.That(easix["display"]!.GetValue<string>(), Does.StartWith("EASIX"));
            Assert.That(easix["formula"]!.GetValue<string>(), Is.EqualTo("EASIX = LDH (U/L) × creatinine (mg/dL) ÷ platelets (10^9/L)"));
            Assert.That(easix["notice"]!.GetValue<string>(), Is.EqualTo("research score, not validated for this drug; not for treatment decisions"));
            Assert.That(modified["notice"]!.GetValue<string>(), Is.EqualTo("research score, not validated for this drug; not for treatment decisions"));

            var preDose = easix["preDose"]!.AsArray().Single()!;
            Assert.That(preDose["drug"]!.GetValue<string>(), Is.EqualTo("tarlatamab"));
            Assert.That(preDose["doseId"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(DateTimeOffset.Parse(preDose["startedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(H(10)));
            Assert.That(preDose["value"]!.GetValue<decimal>(), Is.EqualTo(2m), "250 × 1.2 ÷ 150, from the labs 6 h before the infusion");
            Assert.That(preDose["reason"], Is.Null);
            Assert.That(preDose["inputs"]!.AsArray().Select(i => (i!["key"]!.GetValue<string>(), i["value"]!.GetValue<decimal>(), i["unit"]!.GetValue<string>())),
                Is.EqualTo(new[] { ("ldh", 250m, "U/L"), ("creatinine", 1.2m, "mg/dL"), ("platelets", 150m, "10*9/L") }));
            Assert.That(modified["preDose"]![0]!["value"]!.GetValue<decimal>(), Is.EqualTo(5m), "250 × 3 mg/dL ÷ 150");

            // Over time: at h4 (all three) and h20 (platelets 100: 3); at h26 the CRP is censored, so m-EASIX has no point there.
            Assert.That(easix["series"]!.AsArray().Select(p => p!["value"]!.GetValue<decimal>()), Is.EqualTo(new[] { 2m, 3m }));
            Assert.That(modified["series"]!.AsArray().Select(p => p!["value"]!.GetValue<decimal>()), Is.EqualTo(new[] { 5m, 7.5m }));
        }
    }

    [Test]
    public async Task NoPlateletsBeforeTheDose_NoScore_WithTheReason_NeverAGuess()
    {
        using var integration = host.ClientFor(Roles.Integration);
        using var nurse = host.ClientFor(Roles.Nurse, "7W");
        await AdmitAsync(integration, "p-noplt", "7W");
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication("p-noplt", CrsMonitorMedication, "tarlatamab", H(10), H(11)))));
        await PostAsync(integration, Ldh("p-noplt", 250m, H(4)));
        await PostAsync(integration, Creatinine("p-noplt", 1.2m, H(4)));
        await PostAsync(integration, Platelets("p-noplt", 150m, H(-70)));

        var preDose = Score(await BiomarkersAsync(nurse, "p-noplt"), "easix")["preDose"]![0]!;
        Assert.That(preDose["value"], Is.Null);
        Assert.That(preDose["reason"]!.GetValue<string>(), Is.EqualTo("no platelets within 72 h before the dose (the last, 150 10*3/uL, was taken at 2026-01-02T11:00Z)"));
        Assert.That(preDose["inputs"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()), Is.EqualTo(new[] { "ldh", "creatinine" }));
    }

    [Test]
    public async Task ACorrectedResult_IsItsNextVersion_AndARetractedOneIsGone()
    {
        using var integration = host.ClientFor(Roles.Integration);
        using var nurse = host.ClientFor(Roles.Nurse, "7W");
        await AdmitAsync(integration, "p-corr", "7W");
        await PostAsync(integration, Ldh("p-corr", 250m, H(4), identifier: "ldh-1"));
        await PostAsync(integration, Platelets("p-corr", 150m, H(4), identifier: "plt-1"));
        await PostAsync(integration, Ldh("p-corr", 260m, H(4), identifier: "ldh-1")); // the lab's correction: same identifier
        await PostAsync(integration, Lab("p-corr", "777-3", 150m, "10*3/uL", H(4), identifier: "plt-1", status: "entered-in-error"));

        var answer = await BiomarkersAsync(nurse, "p-corr");
        var ldh = Analyte(answer, "ldh")["points"]!.AsArray().Single()!;
        Assert.That(ldh["value"]!.GetValue<decimal>(), Is.EqualTo(260m));
        Assert.That(ldh["source"]!["versionId"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(answer["analytes"]!.AsArray().Select(a => a!["key"]!.GetValue<string>()), Is.EqualTo(new[] { "ldh" }), "the retracted platelet count is gone");
    }

    [Test]
    public async Task AnotherUnitsNurse_Admin_Integration_AndResearcher_Get403_AnUnknownPatient404_EachAudited()
    {
        using var integration = host.ClientFor(Roles.Integration);
        await AdmitAsync(integration, "p-iso", "7W");
        await PostAsync(integration, Ldh("p-iso", 250m, H(4)));
        using var nurse7W = host.ClientFor(Roles.Nurse, "7W");
        using var physician7W = host.ClientFor(Roles.Physician, "7W");
        using var nurse5E = host.ClientFor(Roles.Nurse, "5E");
        using var admin = host.ClientFor(Roles.Admin, "7W");
        using var researcher = host.ClientFor(Roles.Researcher, "7W");

        using var allowed = await nurse7W.GetAsync("/api/patients/p-iso/biomarkers");
        using var otherUnit = await nurse5E.GetAsync("/api/patients/p-iso/biomarkers");
        using var unknown = await nurse7W.GetAsync("/api/patients/p-nobody/biomarkers");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(allowed.Headers.CacheControl?.NoStore, Is.True);
            Assert.That((await physician7W.GetAsync("/api/patients/p-iso/biomarkers")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(otherUnit.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await WithoutTraceIdAsync(otherUnit), Does.Not.Contain("250"), "no lab value in a refusal");
            foreach (var refusedClient in new[] { admin, integration, researcher })
            {
                using var refused = await refusedClient.GetAsync("/api/patients/p-iso/biomarkers");
                Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
                Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"), "every refusal says why");
                Assert.That(await WithoutTraceIdAsync(refused), Does.Not.Contain("250"), "no lab value in a refusal");
            }

            Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(otherUnit.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }

        var allowedRow = await AuditRowAsync(allowed);
        var deniedRow = await AuditRowAsync(otherUnit);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((allowedRow.Action, allowedRow.PatientId, allowedRow.Outcome), Is.EqualTo(("patient.biomarkers", "p-iso", "success")));
            Assert.That((deniedRow.Action, deniedRow.PatientId, deniedRow.Outcome), Is.EqualTo(("patient.biomarkers", "p-iso", "denied")));
        }
    }

    /// <summary>The request's audit row, waiting (bounded) for it: the row of a read is written as the request ends.</summary>
    private async Task<AuditEntry> AuditRowAsync(HttpResponseMessage response)
    {
        var correlationId = response.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();
        IReadOnlyList<AuditEntry> rows = [];
        await Alerts.AlertKit.WaitUntilAsync(async () =>
        {
            await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
            rows = [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId)];
            return rows.Count > 0;
        }, () => $"the audit row of {correlationId}");
        return rows.Single();
    }

    /// <summary>The problem body without its trace id, whose random hex may hold any digits (it held "250" once in CI).</summary>
    private static async Task<string> WithoutTraceIdAsync(HttpResponseMessage response)
    {
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        problem.Remove("traceId");
        return problem.ToJsonString();
    }
}
