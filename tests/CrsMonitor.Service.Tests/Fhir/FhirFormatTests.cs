using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirAssert;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// FHIR JSON only, said the way HTTP says it (issue 13): an <c>Accept</c> or <c>_format</c> that admits no JSON FHIR type
/// is 406, a compressed request body 415, each an OperationOutcome naming the header or parameter; on every /fhir
/// route, metadata included. What clients send every day (no Accept, <c>*/*</c>, Firely's
/// <c>application/fhir+json; fhirVersion=4.0</c>) is answered. On each storage provider.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class FhirFormatTests(StorageProvider provider)
{
    private static readonly DateTimeOffset At = ServiceHost.Start.AddHours(-2);

    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;
    private HttpClient anonymous = null!;
    private string observationId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
        anonymous = host.ClientWith(null);
        await AdmitAsync(integration, "fmt-p1", "7W");
        observationId = JsonNode.Parse(await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("fmt-p1", 37.2m, "Cel", At)))))!["id"]!.GetValue<string>();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        anonymous.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [TestCase("application/fhir+xml")]
    [TestCase("application/xml")]
    [TestCase("text/html")]
    [TestCase("application/fhir+xml, text/xml;q=0.5")]
    [TestCase("application/fhir+json; fhirVersion=3.0")]
    [TestCase("application/fhir+json;q=0, application/json;q=0, application/fhir+xml")]
    [TestCase("*/*;q=0")]
    [TestCase("not a media type")]
    public async Task AcceptWithoutJson_Is406NamingAccept_OnMetadataReadAndSearch(string accept)
    {
        var answers = new[]
        {
            await SendAsync(anonymous, HttpMethod.Get, "/fhir/metadata", null, ("Accept", accept)),
            await SendAsync(nurse, HttpMethod.Get, $"/fhir/Observation/{observationId}", null, ("Accept", accept)),
            await SendAsync(nurse, HttpMethod.Get, "/fhir/Observation?patient=fmt-p1", null, ("Accept", accept)),
        };
        foreach (var answer in answers)
        {
            Assert.That(Expressions(await OutcomeAsync(answer, 406)), Is.EqualTo(new[] { "Accept" }));
        }
    }

    [TestCase(null)]
    [TestCase("*/*")]
    [TestCase("application/json")]
    [TestCase("application/fhir+json")]
    [TestCase("application/fhir+json; fhirVersion=4.0")]
    [TestCase("application/fhir+json;fhirVersion=\"4.0\"")]
    [TestCase("application/*")]
    [TestCase("application/fhir+xml;q=0.9, application/fhir+json;q=0.1")]
    [TestCase("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]
    public async Task AcceptAdmittingJson_IsAnsweredInFhirJson(string? accept)
    {
        var headers = accept is null ? [] : new[] { ("Accept", accept) };
        var answers = new[]
        {
            await SendAsync(anonymous, HttpMethod.Get, "/fhir/metadata", null, headers),
            await SendAsync(nurse, HttpMethod.Get, $"/fhir/Observation/{observationId}", null, headers),
            await SendAsync(nurse, HttpMethod.Get, "/fhir/Observation?patient=fmt-p1", null, headers),
        };
        foreach (var answer in answers)
        {
            await Ok(answer);
            Assert.That(answer.Content.Headers.ContentType!.MediaType, Is.EqualTo(MediaType));
        }
    }

    [TestCase("xml")]
    [TestCase("application/fhir+xml")]
    [TestCase("application/fhir%2Bxml")]
    [TestCase("text/xml")]
    [TestCase("ttl")]
    [TestCase("json&_format=xml")]
    public async Task FormatOtherThanJson_Is406NamingFormat_EvenWithAJsonAccept(string format)
    {
        var answers = new[]
        {
            await SendAsync(anonymous, HttpMethod.Get, $"/fhir/metadata?_format={format}", null, ("Accept", MediaType)),
            await SendAsync(nurse, HttpMethod.Get, $"/fhir/Observation/{observationId}?_format={format}", null),
        };
        foreach (var answer in answers)
        {
            Assert.That(Expressions(await OutcomeAsync(answer, 406)), Is.EqualTo(new[] { "_format" }));
        }
    }

    [TestCase("json")]
    [TestCase("application/json")]
    [TestCase("application/fhir%2Bjson")]
    [TestCase("application/fhir+json")]
    [TestCase("application/json+fhir")]
    public async Task FormatJson_IsAnswered_AndOverridesAnXmlAccept(string format)
    {
        var metadata = await SendAsync(anonymous, HttpMethod.Get, $"/fhir/metadata?_format={format}", null, ("Accept", "application/fhir+xml"));
        var search = await SendAsync(nurse, HttpMethod.Get, $"/fhir/Observation?patient=fmt-p1&_format={format}", null, ("Accept", "application/fhir+xml"));
        await Ok(metadata);
        var bundle = JsonNode.Parse(await Ok(search))!;
        Assert.That(bundle["link"]![0]!["url"]!.GetValue<string>(), Does.Contain("_format="), "the next page is asked for in the same format");
    }

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("br")]
    [TestCase("identity, gzip")]
    public async Task CompressedBody_Is415NamingContentEncoding_OnCreateUpdateAndBundle_AndNothingIsStored(string coding)
    {
        var identifier = $"fmt-{coding.Replace(", ", "-", StringComparison.Ordinal)}";
        var body = Gzip(Temperature("fmt-p1", 38.5m, "Cel", At.AddMinutes(1), identifier));
        var bundle = Gzip($$$"""{"resourceType":"Bundle","type":"batch","entry":[{"resource":{{{Temperature("fmt-p1", 38.6m, "Cel", At.AddMinutes(2))}}},"request":{"method":"POST","url":"Observation"}}]}""");
        var answers = new[]
        {
            await SendAsync(integration, HttpMethod.Post, "/fhir/Observation", Encoded(body, coding)),
            await SendAsync(integration, HttpMethod.Put, $"/fhir/Observation/{identifier}", Encoded(body, coding)),
            await SendAsync(integration, HttpMethod.Post, "/fhir", Encoded(bundle, coding)),
        };
        foreach (var answer in answers)
        {
            Assert.That(Expressions(await OutcomeAsync(answer, 415)), Is.EqualTo(new[] { "Content-Encoding" }));
        }

        Assert.That(await StoredTemperaturesAsync(), Has.None.EqualTo(38.5m).And.None.EqualTo(38.6m), "nothing of a refused body is stored");
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var kept = (await RejectedPayloadStore.RecentAsync(connection, 1000, CancellationToken.None)).Select(k => k.Payload)
            .Where(p => p.StatusCode == 415 && p.OutcomeJson.Contains($"Content-Encoding '{coding.Split(", ")[^1]}'", StringComparison.Ordinal)).ToList();
        Assert.That(kept.Select(p => $"{p.Method} {p.Path}"), Is.SupersetOf(new[] { "POST /fhir/Observation", $"PUT /fhir/Observation/{identifier}", "POST /fhir" }),
            "a refused write is kept for the interface team like every other");
    }

    [Test]
    public async Task IdentityEncoding_IsAnUncompressedBody_AndIsAccepted()
    {
        var body = Encoding.UTF8.GetBytes(Temperature("fmt-p1", 37.4m, "Cel", At.AddMinutes(3), "fmt-identity"));
        var response = await SendAsync(integration, HttpMethod.Post, "/fhir/Observation", Encoded(body, "identity"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task XmlBody_IsStill415NamingContentType_AndXmlAcceptOnAWriteIs406BeforeAnythingIsStored()
    {
        var xml = await SendAsync(integration, HttpMethod.Post, "/fhir/Observation",
            Bytes(Encoding.UTF8.GetBytes("<Observation xmlns=\"http://hl7.org/fhir\"/>"), "application/fhir+xml"));
        var xmlAccept = await SendAsync(integration, HttpMethod.Post, "/fhir/Observation",
            Body(Temperature("fmt-p1", 39.1m, "Cel", At.AddMinutes(4), "fmt-xml-accept")), ("Accept", "application/fhir+xml"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Expressions(await OutcomeAsync(xml, 415)), Is.EqualTo(new[] { "Content-Type" }));
            Assert.That(Expressions(await OutcomeAsync(xmlAccept, 406)), Is.EqualTo(new[] { "Accept" }));
        }

        Assert.That(await StoredTemperaturesAsync(), Has.None.EqualTo(39.1m));
    }

    private async Task<List<decimal>> StoredTemperaturesAsync()
    {
        var search = JsonNode.Parse(await Ok(await nurse.GetAsync("/fhir/Observation?patient=fmt-p1&code=8310-5")))!;
        return [.. search["entry"]!.AsArray().Select(e => e!["resource"]!["valueQuantity"]!["value"]!.GetValue<decimal>())];
    }

    private static byte[] Gzip(string text)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    private static ByteArrayContent Encoded(byte[] body, string coding)
    {
        var content = Bytes(body);
        content.Headers.TryAddWithoutValidation("Content-Encoding", coding);
        return content;
    }
}
