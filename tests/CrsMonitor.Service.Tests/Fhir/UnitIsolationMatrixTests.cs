using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Unit isolation on every FHIR path (issue 10, README "Security"): role × unit × path × resource type. A stored
/// resource is guarded by the unit of the patient it (that version) belongs to as well as by the patient a new body
/// names: update, retraction, move, resend by identifier, conditional create, vread, read, search, transaction and
/// batch entries. Patients: <c>p7</c> on 7W and <c>p5</c> on 5E; the attacker is a 5E clinician. On each provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class UnitIsolationMatrixTests(StorageProvider provider)
{
    /// <summary>Every /fhir route and the tests of this fixture that cover it; a new route fails <see cref="EveryFhirRoute_IsInTheMatrix"/>.</summary>
    private static readonly Dictionary<string, string> CoveredRoutes = new(StringComparer.Ordinal)
    {
        ["GET /fhir/metadata"] = "anonymous, no patient data",
        ["POST /fhir/"] = nameof(TransactionEntry_OnAnotherUnitsResource_Is403_AndRollsBackTheWholeTransaction) + ", " + nameof(BatchEntry_OnAnotherUnitsResource_Is403ForThatEntry),
        ["POST /fhir/{type}"] = nameof(Create_ForAPatientOfAnotherUnit_Is403) + ", " + nameof(Resend_OfAnotherUnitsIdentifier_Is403_WithoutTheStoredResource),
        ["PUT /fhir/{type}/{id}"] = nameof(Update_ByAnotherUnit_Is403_AndTheStoredVersionIsUnchanged) + ", " + nameof(Move_NeedsAccessToBothPatients),
        ["PUT /fhir/{type}"] = nameof(ConditionalUpdate_OfAnotherUnitsIdentifier_Is403_AndTheStoredVersionIsUnchanged),
        ["GET /fhir/Observation"] = nameof(Reads_ByAnotherUnit_Integration_Or_Admin_Are403),
        ["GET /fhir/{type}/{id}"] = nameof(Reads_ByAnotherUnit_Integration_Or_Admin_Are403),
        ["GET /fhir/{type}/{id}/_history/{vid}"] = nameof(Vread_ChecksThePatientOfThatVersion),

        // The Bulk Data export: researchers only, each export its researcher's alone (Research/Export/).
        ["GET /fhir/$export"] = ExportRefusals,
        ["GET /fhir/$export-status/{id}"] = ExportRefusals + ", " + ExportOwnership,
        ["DELETE /fhir/$export-status/{id}"] = ExportRefusals + ", " + ExportOwnership,
        ["GET /fhir/$export-file/{id}/{name}"] = ExportRefusals + ", " + ExportOwnership,
    };

    private const string ExportRefusals = nameof(Research.Export.BulkExportRefusalTests) + "."
        + nameof(Research.Export.BulkExportRefusalTests.NursesPhysiciansAdminsAndIntegrationClients_Get403OnEveryRoute_AuditedAsDenied);

    private const string ExportOwnership = nameof(Research.Export.BulkExportFlowTests) + "."
        + nameof(Research.Export.BulkExportFlowTests.AnotherResearcher_Gets404_OnStatusDeleteAndFiles_WordForWordAsForAnUnknownExport);

    private static readonly string[] ClinicianRoles = [Roles.Nurse, Roles.Physician];

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient admin = null!;

    private static IEnumerable<TestCaseData> Matrix() =>
        from role in ClinicianRoles
        from resource in IsolationResource.All
        select new TestCaseData(role, resource).SetArgDisplayNames(role, resource.Type);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor(Roles.Integration);
        admin = host.ClientFor(Roles.Admin);
        await AdmitAsync(integration, "p7", "7W");
        await AdmitAsync(integration, "p5", "5E");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        admin.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public void EveryFhirRoute_IsInTheMatrix()
    {
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/fhir", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToList();
        Assert.That(routes, Is.EquivalentTo(CoveredRoutes.Keys),
            "a /fhir route was added or removed: cover it in this matrix (who may reach which patient's data through it) and list it here");
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task Create_ForAPatientOfAnotherUnit_Is403(string role, IsolationResource resource)
    {
        using var own = host.ClientFor(role, "7W");
        using var other = host.ClientFor(role, "5E");
        using var noUnit = host.ClientFor(role);
        await Ok(await own.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p7", NewIdentifier()))));
        await AssertRefusedAsync(await other.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p7", NewIdentifier()))), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await noUnit.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p7", NewIdentifier()))), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await admin.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p7", NewIdentifier()))), HttpStatusCode.Forbidden);
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task Update_ByAnotherUnit_Is403_AndTheStoredVersionIsUnchanged(string role, IsolationResource resource)
    {
        using var own = host.ClientFor(role, "7W");
        using var other = host.ClientFor(role, "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);

        // The attacker names their own patient in the body (the hole): the stored resource is 7W's.
        var overwrite = await other.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p5", identifier, variant: 1)));
        await AssertRefusedAsync(overwrite, HttpStatusCode.Forbidden);
        var retract = await other.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p5", identifier, status: "entered-in-error")));
        await AssertRefusedAsync(retract, HttpStatusCode.Forbidden);
        var retractNamingTheirPatient = await other.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p7", identifier, status: "entered-in-error")));
        await AssertRefusedAsync(retractNamingTheirPatient, HttpStatusCode.Forbidden);

        var stored = JsonNode.Parse(await Ok(await own.GetAsync($"/fhir/{resource.Type}/{id}")))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stored["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo("1"));
            Assert.That(stored["subject"]!["reference"]!.GetValue<string>(), Is.EqualTo("Patient/p7"));
            Assert.That(stored["status"]!.GetValue<string>(), Is.Not.EqualTo("entered-in-error"));
        }

        var denied = await RowsOfAsync(overwrite);
        Assert.That(denied.Select(r => (r.Outcome, r.PatientId)), Is.EqualTo(new[] { ("denied", (string?)"p7") }),
            "the audit row names the patient whose data the request touched, not the attacker's own patient");

        // The unit's own clinicians may retract it.
        var ownRetract = await own.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p7", identifier, status: "entered-in-error")));
        Assert.That(JsonNode.Parse(await Ok(ownRetract))!["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo("2"));
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task Move_NeedsAccessToBothPatients(string role, IsolationResource resource)
    {
        using var own = host.ClientFor(role, "7W");
        using var both = host.ClientFor(role, "7W", "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);

        await AssertRefusedAsync(await own.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p5", identifier))), HttpStatusCode.Forbidden);
        var moved = await both.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p5", identifier)));
        await Ok(moved);

        var rows = await RowsOfAsync(moved);
        Assert.That(rows.Select(r => (r.Outcome, r.PatientId)), Is.EquivalentTo(new[] { ("success", (string?)"p7"), ("success", (string?)"p5") }),
            "a move is audited under the patient it left and the one it joined");
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task Resend_OfAnotherUnitsIdentifier_Is403_WithoutTheStoredResource(string role, IsolationResource resource)
    {
        using var own = host.ClientFor(role, "7W");
        using var other = host.ClientFor(role, "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);

        var resend = await other.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p5", identifier, variant: 2)));
        await AssertRefusedAsync(resend, HttpStatusCode.Forbidden, mustNotContain: id);

        using var conditional = new HttpRequestMessage(HttpMethod.Post, $"/fhir/{resource.Type}") { Content = Body(resource.Json("p5", NewIdentifier())) };
        conditional.Headers.Add("If-None-Exist", $"identifier={SystemOf(resource)}|{identifier}");
        await AssertRefusedAsync(await other.SendAsync(conditional), HttpStatusCode.Forbidden, mustNotContain: id);

        // The unit's own clinician may correct it (other content under the identifier: its next version, the same id).
        var ownResend = await own.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p7", identifier, variant: 2)));
        Assert.That(JsonNode.Parse(await Ok(ownResend))!["id"]!.GetValue<string>(), Is.EqualTo(id));
    }

    [TestCaseSource(typeof(IsolationResource), nameof(IsolationResource.All))]
    public async Task Resend_ByIntegration_AnswersWhatItSent_AndAConditionalMatchNeverTheStoredBody(IsolationResource resource)
    {
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);

        // The same content again: the stored resource is what the client sent (id and meta added), so it is the answer.
        var resend = await integration.PostAsync($"/fhir/{resource.Type}", Body(resource.Json("p7", identifier)));
        var body = JsonNode.Parse(await Ok(resend))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resend.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(FhirAssert.LocationPath(resend), Is.EqualTo($"/fhir/{resource.Type}/{id}/_history/1"));
            Assert.That(body["id"]!.GetValue<string>(), Is.EqualTo(id));
        }

        // A conditional create that finds the identifier on p7's resource while sending p5's: the stored resource is
        // not what it sent, and an integration token never reads. Location and a Warning say what holds it; no body.
        using var conditional = new HttpRequestMessage(HttpMethod.Post, $"/fhir/{resource.Type}") { Content = Body(resource.Json("p5", NewIdentifier())) };
        conditional.Headers.Add("If-None-Exist", $"identifier={SystemOf(resource)}|{identifier}");
        var conditionalResend = await integration.SendAsync(conditional);
        var text = await conditionalResend.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(conditionalResend.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
            Assert.That(FhirAssert.LocationPath(conditionalResend), Is.EqualTo($"/fhir/{resource.Type}/{id}/_history/1"));
            Assert.That(text, Is.Empty, "an integration token never reads a stored resource it did not send");
            Assert.That(conditionalResend.Headers.GetValues("Warning").Single(), Does.Contain("nothing was written"));
        }
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task ConditionalUpdate_OfAnotherUnitsIdentifier_Is403_AndTheStoredVersionIsUnchanged(string role, IsolationResource resource)
    {
        using var own = host.ClientFor(role, "7W");
        using var other = host.ClientFor(role, "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);
        var url = $"/fhir/{resource.Type}?identifier={Uri.EscapeDataString($"{SystemOf(resource)}|{identifier}")}";

        var overwrite = await other.PutAsync(url, Body(resource.Json("p5", identifier, variant: 1)));
        await AssertRefusedAsync(overwrite, HttpStatusCode.Forbidden, mustNotContain: id);
        await AssertRefusedAsync(await other.PutAsync(url, Body(resource.Json("p7", identifier, status: "entered-in-error"))), HttpStatusCode.Forbidden);
        await AssertRefusedAsync(await admin.PutAsync(url, Body(resource.Json("p7", identifier, variant: 1))), HttpStatusCode.Forbidden);
        using var anonymous = host.ClientWith(null);
        await AssertRefusedAsync(await anonymous.PutAsync(url, Body(resource.Json("p7", identifier, variant: 1))), HttpStatusCode.Unauthorized);
        await AssertVersionAsync(resource, id, "1");
        Assert.That((await RowsOfAsync(overwrite)).Select(r => (r.Outcome, r.PatientId)), Is.EqualTo(new[] { ("denied", (string?)"p7") }),
            "the refusal is audited under the patient whose data it touched");

        var ownUpdate = await own.PutAsync(url, Body(resource.Json("p7", identifier, variant: 1)));
        Assert.That(JsonNode.Parse(await Ok(ownUpdate))!["id"]!.GetValue<string>(), Is.EqualTo(id));
        await AssertVersionAsync(resource, id, "2");
        Assert.That((await RowsOfAsync(ownUpdate)).Select(r => (r.Action, r.Outcome, r.PatientId)), Is.EqualTo(new[] { ("fhir.update", "success", (string?)"p7") }));
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task Vread_ChecksThePatientOfThatVersion(string role, IsolationResource resource)
    {
        using var on7W = host.ClientFor(role, "7W");
        using var on5E = host.ClientFor(role, "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);
        await Ok(await integration.PutAsync($"/fhir/{resource.Type}/{id}", Body(resource.Json("p5", identifier))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await on7W.GetAsync($"/fhir/{resource.Type}/{id}/_history/1")).StatusCode, Is.EqualTo(HttpStatusCode.OK), "7W reads the version that was its patient's");
            Assert.That((await on7W.GetAsync($"/fhir/{resource.Type}/{id}/_history/2")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await on5E.GetAsync($"/fhir/{resource.Type}/{id}/_history/1")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "5E never reads 7W's version");
            Assert.That((await on5E.GetAsync($"/fhir/{resource.Type}/{id}/_history/2")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That((await on7W.GetAsync($"/fhir/{resource.Type}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That((await on5E.GetAsync($"/fhir/{resource.Type}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task Reads_ByAnotherUnit_Integration_Or_Admin_Are403(string role, IsolationResource resource)
    {
        using var own = host.ClientFor(role, "7W");
        using var other = host.ClientFor(role, "5E");
        var id = await CreateAsync(resource, "p7", NewIdentifier());
        string[] paths = [$"/fhir/{resource.Type}/{id}", $"/fhir/{resource.Type}/{id}/_history/1", "/fhir/Observation?patient=p7"];
        foreach (var path in paths)
        {
            await Ok(await own.GetAsync(path));
            using var researcher = host.ClientFor(Roles.Researcher, "7W");
            foreach (var reader in new[] { other, integration, admin, researcher })
            {
                await AssertRefusedAsync(await reader.GetAsync(path), HttpStatusCode.Forbidden);
            }
        }
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task TransactionEntry_OnAnotherUnitsResource_Is403_AndRollsBackTheWholeTransaction(string role, IsolationResource resource)
    {
        using var other = host.ClientFor(role, "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);
        var fresh = NewIdentifier();
        var transaction = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{resource.Json("p5", fresh)}}},"request":{"method":"POST","url":"{{{resource.Type}}}"}},
              {"resource":{{{resource.Json("p5", identifier, variant: 1)}}},"request":{"method":"PUT","url":"{{{resource.Type}}}/{{{id}}}"}}]}
            """;
        var response = await other.PostAsync("/fhir", Body(transaction));
        await AssertRefusedAsync(response, HttpStatusCode.Forbidden);
        var outcome = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.That(outcome["issue"]![0]!["expression"]![0]!.GetValue<string>(), Does.StartWith("Bundle.entry[1].resource"));

        // The first entry (the attacker's own patient) was rolled back with the refused one: its identifier is free.
        using var probe = new HttpRequestMessage(HttpMethod.Post, $"/fhir/{resource.Type}") { Content = Body(resource.Json("p5", fresh)) };
        probe.Headers.Add("If-None-Exist", $"identifier={SystemOf(resource)}|{fresh}");
        Assert.That((await integration.SendAsync(probe)).StatusCode, Is.EqualTo(HttpStatusCode.Created), "a refused transaction writes nothing");
        await AssertVersionAsync(resource, id, "1");
    }

    [TestCaseSource(nameof(Matrix))]
    public async Task BatchEntry_OnAnotherUnitsResource_Is403ForThatEntry(string role, IsolationResource resource)
    {
        using var other = host.ClientFor(role, "5E");
        var identifier = NewIdentifier();
        var id = await CreateAsync(resource, "p7", identifier);
        var batch = $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"resource":{{{resource.Json("p5", NewIdentifier())}}},"request":{"method":"POST","url":"{{{resource.Type}}}"}},
              {"resource":{{{resource.Json("p5", identifier, status: "entered-in-error")}}},"request":{"method":"PUT","url":"{{{resource.Type}}}/{{{id}}}"}},
              {"resource":{{{resource.Json("p5", identifier, variant: 1)}}},"request":{"method":"POST","url":"{{{resource.Type}}}"}}]}
            """;
        var response = JsonNode.Parse(await Ok(await other.PostAsync("/fhir", Body(batch))))!;
        var statuses = response["entry"]!.AsArray().Select(e => e!["response"]!["status"]!.GetValue<string>()).ToList();
        Assert.That(statuses, Is.EqualTo(new[] { "201 Created", "403 Forbidden", "403 Forbidden" }));
        Assert.That(response.ToJsonString(), Does.Not.Contain("p7"), "the refused entries reveal nothing of the stored resource");
        await AssertVersionAsync(resource, id, "1");
    }

    private async Task<string> CreateAsync(IsolationResource resource, string patient, string identifier)
    {
        var created = await integration.PostAsync($"/fhir/{resource.Type}", Body(resource.Json(patient, identifier)));
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), await created.Content.ReadAsStringAsync());
        return FhirAssert.IdOf(created);
    }

    private async Task AssertVersionAsync(IsolationResource resource, string id, string version)
    {
        using var both = host.ClientFor(Roles.Nurse, "7W", "5E");
        var stored = JsonNode.Parse(await Ok(await both.GetAsync($"/fhir/{resource.Type}/{id}")))!;
        Assert.That(stored["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo(version));
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode status, string? mustNotContain = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), text);
            Assert.That(JsonNode.Parse(text)?["resourceType"]?.GetValue<string>(), Is.EqualTo("OperationOutcome"), text);
            if (mustNotContain is not null)
            {
                Assert.That(text, Does.Not.Contain(mustNotContain), "a refusal reveals nothing of the stored resource");
            }
        }
    }

    private async Task<IReadOnlyList<AuditEntry>> RowsOfAsync(HttpResponseMessage response)
    {
        var correlationId = response.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId)];
    }

    private static string SystemOf(IsolationResource resource) => resource.Type switch
    {
        "Observation" => "urn:ehr:obs",
        "MedicationAdministration" => "urn:ehr:mar",
        "MedicationStatement" => "urn:home:med",
        _ => "urn:ehr:neuro",
    };

    private static string NewIdentifier() => Guid.NewGuid().ToString("N");
}
