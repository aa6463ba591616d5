using System.Net;
using System.Net.Http.Headers;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Research.Export;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Research.Export.ExportKit;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// Every refusal of the Bulk Data routes, each an OperationOutcome naming what was wrong, with nothing stored: other
/// roles (403 on every route, audited as denied), no token (401), a kick-off without <c>Prefer: respond-async</c>, an
/// output format other than NDJSON, a type the export does not hold, any parameter it does not support (never silently
/// ignored, also with <c>handling=lenient</c>), an export id or file name that is not one; and the formats: the file
/// route answers NDJSON (406 for FHIR JSON) while every other route still answers FHIR JSON only.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class BulkExportRefusalTests(StorageProvider provider)
{
    private static readonly string[] OtherRoles = [Roles.Nurse, Roles.Physician, Roles.Admin, Roles.Integration];

    private readonly TestExportContent content = new();
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient researcher = null!;
    private string completed = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings, services => services.AddSingleton<IResearchExportContent>(content));
        researcher = Researcher(host, "r-refusals");
        (_, completed) = await KickedOffAsync(researcher, "?_type=AdverseEvent");
        await WaitForAsync(host, completed, ExportStatus.Completed);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        researcher.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    /// <summary>Every Bulk Data route, as a request for the completed export.</summary>
    private IEnumerable<(string Name, Func<HttpClient, Task<HttpResponseMessage>> Send)> Routes() =>
    [
        ("GET /fhir/$export", c => KickOffAsync(c)),
        ("GET /fhir/$export-status/{id}", c => StatusAsync(c, completed)),
        ("DELETE /fhir/$export-status/{id}", c => DeleteAsync(c, completed)),
        ("GET /fhir/$export-file/{id}/{name}", c => FileAsync(c, $"/fhir/$export-file/{completed}/AdverseEvent-1.ndjson")),
    ];

    [Test]
    public async Task NursesPhysiciansAdminsAndIntegrationClients_Get403OnEveryRoute_AuditedAsDenied()
    {
        foreach (var role in OtherRoles)
        {
            using var client = host.ClientFor(role, "7W");
            foreach (var (name, send) in Routes())
            {
                using var answer = await send(client);
                Assert.That(await RefusedAsync(answer, 403), Is.Not.Empty, $"{role}: {name}");
                var row = (await RowsOfAsync(host, answer)).Single();
                Assert.That((row.Outcome, row.Role, row.PatientId), Is.EqualTo(("denied", (string?)role, (string?)null)), $"{role}: {name}");
                Assert.That(row.Action, Does.Contain("export-"), $"{role}: {name} names the step");
            }
        }

        Assert.That((await JobAsync(host, completed))!.Status, Is.EqualTo(ExportStatus.Completed), "no DELETE got through");
        Assert.That(await ExportCountAsync("dev-%"), Is.Zero, "no kick-off got through");
    }

    [Test]
    public async Task WithoutAToken_EveryRouteIs401()
    {
        using var anonymous = host.ClientWith(null);
        foreach (var (name, send) in Routes())
        {
            Assert.That(await RefusedAsync(await send(anonymous), 401), Is.Not.Empty, name);
        }
    }

    [TestCase(null)]
    [TestCase("return=minimal")]
    [TestCase("respond-sync")]
    public async Task AKickOffWithoutPreferRespondAsync_Is400NamingPrefer(string? prefer)
    {
        using var answer = await KickOffAsync(researcher, prefer: prefer);
        Assert.That(await RefusedAsync(answer, 400), Is.EqualTo(new[] { "Prefer" }));
        Assert.That(await ExportCountAsync("r-refusals"), Is.EqualTo(1));
    }

    [TestCase("?_outputFormat=application/fhir%2Bndjson")]
    [TestCase("?_outputFormat=application/fhir+ndjson")]
    [TestCase("?_outputFormat=application/ndjson")]
    [TestCase("?_outputFormat=ndjson")]
    [TestCase("?_format=json")]
    [TestCase("?_type=AdverseEvent&_type=Observation")]
    public async Task TheAcceptedForms_OfOutputFormatAndType_AreAccepted(string query)
    {
        using var other = Researcher(host, $"r-forms-{Guid.NewGuid():N}");
        var (_, id) = await KickedOffAsync(other, query);
        await WaitForAsync(host, id, ExportStatus.Completed);
    }

    [Test]
    public async Task PreferRespondAsync_AmongOtherPreferences_IsAccepted()
    {
        using var other = Researcher(host, $"r-prefer-{Guid.NewGuid():N}");
        using var answer = await KickOffAsync(other, prefer: "handling=strict, respond-async");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await answer.Content.ReadAsStringAsync());
        await WaitForAsync(host, answer.Content.Headers.ContentLocation!.Segments[^1], ExportStatus.Completed);
    }

    [TestCase("?_outputFormat=application/fhir%2Bjson", "_outputFormat")]
    [TestCase("?_outputFormat=text/csv", "_outputFormat")]
    [TestCase("?_outputFormat=ndjson&_outputFormat=ndjson", "_outputFormat")]
    [TestCase("?_type=Patient", "_type")]
    [TestCase("?_type=AdverseEvent,Patient", "_type")]
    [TestCase("?_type=adverseevent", "_type")]
    [TestCase("?_type=", "_type")]
    [TestCase("?_type=AdverseEvent,,Observation", "_type")]
    [TestCase("?_since=2025-01-01T00:00:00Z", "_since")]
    [TestCase("?_until=2025-01-01T00:00:00Z", "_until")]
    [TestCase("?_elements=id", "_elements")]
    [TestCase("?patient=Patient/p1", "patient")]
    [TestCase("?_typeFilter=Observation%3Fcode%3D1988-5", "_typeFilter")]
    [TestCase("?includeAssociatedData=LatestProvenanceResources", "includeAssociatedData")]
    [TestCase("?_count=10", "_count")]
    [TestCase("?foo=bar", "foo")]
    public async Task AKickOffParameterThatIsNotSupported_Is400NamingIt_AndNothingIsStored(string query, string named)
    {
        foreach (var prefer in new[] { "respond-async", "respond-async, handling=lenient" })
        {
            using var answer = await KickOffAsync(researcher, query, prefer);
            Assert.That(await RefusedAsync(answer, 400), Is.EqualTo(new[] { named }), prefer);
            if (named == "_type" && query.Contains("Patient", StringComparison.Ordinal))
            {
                Assert.That(await DiagnosticsAsync(answer), Does.Contain("'Patient'"), "the type is named");
            }
        }

        Assert.That(await ExportCountAsync("r-refusals"), Is.EqualTo(1));
    }

    [Test]
    public async Task SeveralUnsupportedParameters_AreEachNamed()
    {
        using var answer = await KickOffAsync(researcher, "?_since=2025-01-01&patient=p1&_type=Patient");
        Assert.That(await RefusedAsync(answer, 400), Is.EquivalentTo(new[] { "_since", "patient", "_type" }));
    }

    [TestCase("not-an-export-id")]
    [TestCase("0123456789ABCDEF0123456789ABCDEF")]
    public async Task AnIdThatIsNoExport_Is404(string id)
    {
        Assert.That(await RefusedAsync(await StatusAsync(researcher, id), 404), Is.EqualTo(new[] { "$export-status" }));
        Assert.That(await RefusedAsync(await DeleteAsync(researcher, id), 404), Is.EqualTo(new[] { "$export-status" }));
        Assert.That(await RefusedAsync(await FileAsync(researcher, $"/fhir/$export-file/{id}/AdverseEvent-1.ndjson"), 404), Is.EqualTo(new[] { "$export-file" }));
    }

    [TestCase("Observation-1.ndjson")]
    [TestCase("AdverseEvent-2.ndjson")]
    [TestCase("AdverseEvent-1.json")]
    [TestCase("..%2F..%2Fcrsmonitor.db")]
    public async Task AFileNameThatIsNoFileOfTheExport_Is404(string name) =>
        Assert.That(await RefusedAsync(await FileAsync(researcher, $"/fhir/$export-file/{completed}/{name}"), 404), Is.EqualTo(new[] { "$export-file" }));

    [TestCase(null)]
    [TestCase("*/*")]
    [TestCase("application/ndjson")]
    [TestCase("application/fhir+ndjson")]
    [TestCase("application/*")]
    [TestCase("application/fhir+json;q=0.9, application/fhir+ndjson")]
    public async Task TheFileRoute_AnswersNdjson_ToAnAcceptThatAdmitsIt(string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/$export-file/{completed}/AdverseEvent-1.ndjson");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var answer = await researcher.SendAsync(request);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        Assert.That(answer.Content.Headers.ContentType!.MediaType, Is.EqualTo("application/fhir+ndjson"));
    }

    [TestCase("application/fhir+json", null, "Accept")]
    [TestCase("application/json", null, "Accept")]
    [TestCase("text/csv", null, "Accept")]
    [TestCase(null, "json", "_format")]
    public async Task TheFileRoute_Refuses_WhatAdmitsNoNdjson_With406(string? accept, string? format, string named)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/$export-file/{completed}/AdverseEvent-1.ndjson{(format is null ? string.Empty : "?_format=" + format)}");
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }

        Assert.That(await RefusedAsync(await researcher.SendAsync(request), 406), Is.EqualTo(new[] { named }));
    }

    [Test]
    public async Task TheFileRoute_TakesFormatNdjson()
    {
        using var answer = await researcher.GetAsync(new Uri($"/fhir/$export-file/{completed}/AdverseEvent-1.ndjson?_format=ndjson", UriKind.Relative));
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("/fhir/metadata")]
    [TestCase("/fhir/$export-status/{id}")]
    [TestCase("/fhir/Observation?patient=p1")]
    public async Task EveryOtherRoute_StillAnswersFhirJsonOnly_406ForNdjson(string path)
    {
        using var nurse = host.ClientFor(Roles.Nurse, "7W");
        var client = path.Contains("$export", StringComparison.Ordinal) ? researcher : nurse;
        using var request = new HttpRequestMessage(HttpMethod.Get, path.Replace("{id}", completed, StringComparison.Ordinal));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+ndjson"));
        Assert.That(await RefusedAsync(await client.SendAsync(request), 406), Is.EqualTo(new[] { "Accept" }));
    }

    [Test]
    public async Task TheKickOff_RefusesAnAcceptWithoutFhirJson_With406()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/$export");
        request.Headers.Add("Prefer", "respond-async");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+ndjson"));
        Assert.That(await RefusedAsync(await researcher.SendAsync(request), 406), Is.EqualTo(new[] { "Accept" }));
    }

    /// <summary>How many exports were ever stored for subjects LIKE <paramref name="subjects"/>.</summary>
    private async Task<long> ExportCountAsync(string subjects)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM research_export WHERE requested_by LIKE @Subjects", new { Subjects = subjects });
    }
}
