using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Conditional read and vread (issue 13): <c>If-None-Match</c> naming the current version, or <c>If-Modified-Since</c>
/// not before <c>Last-Modified</c>, is 304 with the ETag and no body, as Firely's <see cref="FhirClient"/> asks for it;
/// and only to a caller who may read the resource: everyone else still gets 403, so a 304 never tells them it exists
/// or has not changed. The service's clock is frozen at <see cref="ServiceHost.Start"/>, so every write's
/// Last-Modified is that instant. On each storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class ConditionalReadTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurseHttp = null!;
    private FhirClient nurse = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
        nurseHttp = host.ClientFor("nurse", "7W");
        nurse = new FhirClient(new Uri(nurseHttp.BaseAddress!, "fhir"), nurseHttp, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = true });
        await AdmitAsync(integration, "cr-p1", "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        nurse.Dispose();
        nurseHttp.Dispose();
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task Read_IfNoneMatchTheCurrentVersion_Is304_ThroughFirely_WithTheETagAndNoBody()
    {
        var id = await CreateAsync("cr-304", 37.1m);
        var e = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.ReadAsync<Observation>($"Observation/{id}", ifNoneMatch: "W/\"1\""));
        var raw = await GetAsync(nurseHttp, $"/fhir/Observation/{id}", ("If-None-Match", "W/\"1\""));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(e!.Status, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(raw.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(raw.Headers.ETag!.ToString(), Is.EqualTo("W/\"1\""));
            Assert.That(await raw.Content.ReadAsByteArrayAsync(), Is.Empty);
        }
    }

    [TestCase("\"1\"")]
    [TestCase("W/\"7\", W/\"1\"")]
    [TestCase("*")]
    public async Task Read_AnyTagMatchingWeakly_Is304(string ifNoneMatch)
    {
        var id = await CreateAsync($"cr-tags-{ifNoneMatch.Length}", 37.2m);
        var response = await GetAsync(nurseHttp, $"/fhir/Observation/{id}", ("If-None-Match", ifNoneMatch));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
    }

    [Test]
    public async Task Read_IfNoneMatchAnOlderVersion_Is200WithTheCurrentVersion()
    {
        var id = await CreateAsync("cr-v2", 37.3m);
        await Ok(await integration.PutAsync($"/fhir/Observation/{id}", Body(Temperature("cr-p1", 37.9m, "Cel", ServiceHost.Start.AddHours(-1), "cr-v2"))));
        var read = await nurse.ReadAsync<Observation>($"Observation/{id}", ifNoneMatch: "W/\"1\"");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nurse.LastResult!.Status, Does.StartWith("200"));
            Assert.That(read!.Meta!.VersionId, Is.EqualTo("2"));
            Assert.That(((Quantity)read.Value!).Value, Is.EqualTo(37.9m));
        }
    }

    [Test]
    public async Task Vread_IfNoneMatchThatVersion_Is304_AnotherVersion_Is200()
    {
        var id = await CreateAsync("cr-vread", 37.4m);
        await Ok(await integration.PutAsync($"/fhir/Observation/{id}", Body(Temperature("cr-p1", 38.0m, "Cel", ServiceHost.Start.AddHours(-1), "cr-vread"))));
        var same = await GetAsync(nurseHttp, $"/fhir/Observation/{id}/_history/1", ("If-None-Match", "W/\"1\""));
        var other = await GetAsync(nurseHttp, $"/fhir/Observation/{id}/_history/1", ("If-None-Match", "W/\"2\""));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(same.StatusCode, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(same.Headers.ETag!.ToString(), Is.EqualTo("W/\"1\""));
            Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(JsonNode.Parse(await other.Content.ReadAsStringAsync())!["meta"]!["versionId"]!.GetValue<string>(), Is.EqualTo("1"));
        }
    }

    [TestCase("nurse", "5E")]
    [TestCase("physician", "ICU")]
    [TestCase("integration")]
    [TestCase("admin")]
    public async Task WhoMayNotReadThePatient_Gets403_Never304_WhateverTheCondition(string role, params string[] units)
    {
        var id = await CreateAsync($"cr-denied-{role}", 37.5m);
        using var client = host.ClientFor(role, units);
        var answers = new[]
        {
            await GetAsync(client, $"/fhir/Observation/{id}", ("If-None-Match", "W/\"1\"")),
            await GetAsync(client, $"/fhir/Observation/{id}", ("If-None-Match", "*")),
            await GetAsync(client, $"/fhir/Observation/{id}/_history/1", ("If-None-Match", "W/\"1\"")),
            await GetAsync(client, $"/fhir/Patient/cr-p1", ("If-Modified-Since", ServiceHost.Start.ToString("R"))),
        };
        foreach (var answer in answers)
        {
            await FhirAssert.OutcomeAsync(answer, 403);
        }
    }

    [Test]
    public async Task UnknownId_WithIfNoneMatch_IsStill404()
    {
        var response = await GetAsync(nurseHttp, "/fhir/Observation/cr-never-written", ("If-None-Match", "*"));
        await FhirAssert.OutcomeAsync(response, 404);
    }

    [Test]
    public async Task IfModifiedSince_NotBeforeLastModified_Is304_ThroughFirely_Earlier_Or_InTheFuture_Is200()
    {
        var id = await CreateAsync("cr-ims", 37.6m);
        var e = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.ReadAsync<Observation>($"Observation/{id}", ifModifiedSince: ServiceHost.Start));
        var earlier = await nurse.ReadAsync<Observation>($"Observation/{id}", ifModifiedSince: ServiceHost.Start.AddSeconds(-1));
        var future = await GetAsync(nurseHttp, $"/fhir/Observation/{id}", ("If-Modified-Since", ServiceHost.Start.AddHours(1).ToString("R")));
        var tagWins = await GetAsync(nurseHttp, $"/fhir/Observation/{id}", ("If-None-Match", "W/\"9\""), ("If-Modified-Since", ServiceHost.Start.ToString("R")));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(e!.Status, Is.EqualTo(HttpStatusCode.NotModified));
            Assert.That(earlier!.Id, Is.EqualTo(id));
            Assert.That(future.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a date later than the server's clock is not one it gave");
            Assert.That(tagWins.StatusCode, Is.EqualTo(HttpStatusCode.OK), "If-None-Match decides when both are sent");
        }
    }

    private async Task<string> CreateAsync(string identifier, decimal celsius) =>
        JsonNode.Parse(await Ok(await integration.PostAsync("/fhir/Observation",
            Body(Temperature("cr-p1", celsius, "Cel", ServiceHost.Start.AddHours(-2), identifier)))))!["id"]!.GetValue<string>();

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, params (string Name, string Value)[] headers) =>
        await FhirAssert.SendAsync(client, HttpMethod.Get, path, null, headers);
}
