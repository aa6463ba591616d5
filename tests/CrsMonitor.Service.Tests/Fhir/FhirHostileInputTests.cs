using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using CrsMonitor.Service.Ingest.Endpoints;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Ingest;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirAssert;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Bad input fails safely over HTTP (reliability-security.md): every case of the malformed corpus, sent as an
/// interface engine would (<c>POST /fhir/{Type}</c>, integration token), gets its 4xx (413 when over 1 MB) with an
/// OperationOutcome naming the element and never a 5xx, and is kept for the interface team with the OperationOutcome
/// it got; plus what only HTTP can get wrong: media types, body sizes, nesting, addresses, ids, conditional create
/// headers, Bundle types and methods, tokens and roles. One host per storage provider (SQLite, PostgreSQL).
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class FhirHostileInputTests(StorageProvider provider)
{
    /// <summary>The subject of the corpus client's token: its rejected payloads are told apart by it.</summary>
    private const string CorpusClient = "corpus-feed";

    private const int Mb = 1024 * 1024;

    private const int TooLarge = 413;

    private static readonly DateTimeOffset At = ServiceHost.Start.AddHours(-1);

    private readonly ConcurrentDictionary<string, Task<Answer>> replayed = new(StringComparer.Ordinal);
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient corpus = null!;
    private HttpClient integration = null!;

    public static IEnumerable<TestCaseData> Corpus() =>
        MalformedCorpus.Cases.Select(c => new TestCaseData(c).SetName($"Http_Malformed_{c.Name}_Is{ExpectedStatus(c)}"));

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        corpus = host.ClientWith(host.Token("--role", "integration", "--sub", CorpusClient));
        integration = host.ClientFor("integration");

        // The corpus refers to Patient/p1: it exists, so no case can pass for "unknown patient" instead of its own fault.
        await AdmitAsync(integration, "p1", "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        corpus.Dispose();
        integration.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [TestCaseSource(nameof(Corpus))]
    public async Task Malformed_Is4xxWithAnOperationOutcome_Never5xx(MalformedCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var answer = await ReplayAsync(c);
        var outcome = Outcome(answer.Status, answer.MediaType, answer.Body, ExpectedStatus(c));
        if (c.Expression is { } expected && answer.Status != TooLarge)
        {
            Assert.That(Expressions(outcome), Has.Some.StartsWith(expected), answer.Body);
        }
    }

    [Test]
    public async Task Corpus_EveryRejectedPayloadIsKept_WithTheOperationOutcomeItGot()
    {
        var expected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var c in MalformedCorpus.Cases)
        {
            var answer = await ReplayAsync(c);
            var key = Key($"/fhir/{c.Type}", answer.Status, KeptBody(c), answer.Body);
            (expected.TryGetValue(key, out var names) ? names : expected[key] = []).Add(c.Name);
        }

        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var kept = (await RejectedPayloadStore.RecentAsync(connection, 100_000, CancellationToken.None))
            .Select(k => k.Payload).Where(p => p.ClientId == CorpusClient).ToList();
        foreach (var payload in kept)
        {
            if (expected.TryGetValue(Key(payload.Path, payload.StatusCode, payload.Body, payload.OutcomeJson), out var names) && names.Count > 0)
            {
                names.RemoveAt(names.Count - 1);
            }
        }

        var notKept = expected.Values.SelectMany(n => n).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(kept, Has.Count.EqualTo(MalformedCorpus.Cases.Count), "one kept payload per rejected request");
            Assert.That(notKept, Is.Empty, "cases whose body or OperationOutcome was not kept as sent and answered");
            Assert.That(kept, Has.All.Matches<RejectedPayload>(p => p!.Method == "POST" && p.ContentType == MediaType && p.ReceivedAt == ServiceHost.Start));
        }
    }

    [TestCase("text/plain")]
    [TestCase("application/xml")]
    [TestCase("application/fhir+xml")]
    [TestCase("application/x-www-form-urlencoded")]
    [TestCase("multipart/form-data; boundary=x")]
    [TestCase("application/fhir+json; charset=utf-16")]
    [TestCase("application/json; charset=iso-8859-1")]
    [TestCase("not a media type")]
    [TestCase(null)]
    public async Task WrongMediaType_Is415OperationOutcome_OnCreateUpdateAndBundle(string? contentType)
    {
        var body = Encoding.UTF8.GetBytes(Temperature("p1", 37m, "Cel", At));
        var bundle = Encoding.UTF8.GetBytes("""{"resourceType":"Bundle","type":"batch"}""");
        var outcomes = new[]
        {
            await OutcomeAsync(await SendAsync(integration, HttpMethod.Post, "/fhir/Observation", Bytes(body, contentType)), 415),
            await OutcomeAsync(await SendAsync(integration, HttpMethod.Put, "/fhir/Observation/media-type", Bytes(body, contentType)), 415),
            await OutcomeAsync(await SendAsync(integration, HttpMethod.Post, "/fhir", Bytes(bundle, contentType)), 415),
        };
        Assert.That(outcomes.SelectMany(Expressions), Is.All.EqualTo("Content-Type"));
    }

    [TestCase("application/fhir+json")]
    [TestCase("application/fhir+json; charset=utf-8")]
    [TestCase("application/fhir+json; charset=UTF-8")]
    [TestCase("application/json")]
    [TestCase("Application/FHIR+JSON")]
    public async Task FhirJsonAndJson_InUtf8_AreAccepted(string contentType)
    {
        var response = await SendAsync(integration, HttpMethod.Post, "/fhir/Observation",
            Bytes(Encoding.UTF8.GetBytes(Temperature("p1", 36.8m, "Cel", At, $"media-{contentType}")), contentType));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task ResourceOver1MB_Is413_WithOrWithoutContentLength()
    {
        var body = Padded(Temperature("p1", 37m, "Cel", At), Mb + 1);
        using (Assert.EnterMultipleScope())
        {
            await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Bytes(body)), 413);
            await OutcomeAsync(await integration.PutAsync("/fhir/Observation/too-big", Bytes(body)), 413);
            await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Chunked(body)), 413);
        }
    }

    [Test]
    public async Task ResourceOfExactly1MB_IsNotTooLarge()
    {
        var response = await integration.PostAsync("/fhir/Observation", Bytes(Padded(Temperature("p1", 37.1m, "Cel", At, "exactly-1mb"), Mb)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task BundleOver10MB_Is413_WithOrWithoutContentLength()
    {
        var body = Padded("""{"resourceType":"Bundle","type":"batch","entry":[]}""", (10 * Mb) + 1);
        using (Assert.EnterMultipleScope())
        {
            await OutcomeAsync(await integration.PostAsync("/fhir", Bytes(body)), 413);
            await OutcomeAsync(await integration.PostAsync("/fhir", Chunked(body)), 413);
        }
    }

    [Test]
    public async Task BundleOver1MB_ButUnder10MB_IsNotTooLarge()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Temperature("p1", 37.2m, "Cel", At, "bundle-2mb")}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var response = await integration.PostAsync("/fhir", Bytes(Padded(bundle, 2 * Mb)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task JsonDepth65_Is400NamingTheLimit_Depth63IsAccepted()
    {
        var accepted = await integration.PostAsync("/fhir/Observation", Body(NestedExtensions(31, "depth-63")));
        Assert.That(accepted.StatusCode, Is.EqualTo(HttpStatusCode.Created), await accepted.Content.ReadAsStringAsync());

        var deep = await OutcomeAsync(await integration.PostAsync("/fhir/Observation", Body(NestedExtensions(32, "depth-65"))), 400);
        var deepBundle = await OutcomeAsync(await integration.PostAsync("/fhir", Body(
            $$$"""{"resourceType":"Bundle","type":"batch","entry":[{"resource":{{{NestedExtensions(31, "bundle-depth")}}},"request":{"method":"POST","url":"Observation"}}]}"""
            )), 400);
        Assert.That(deep.Issue.Concat(deepBundle.Issue).Select(i => i.Diagnostics), Has.All.Contain("64"));
    }

    [TestCase("POST", "/fhir/Medication")]
    [TestCase("POST", "/fhir/observation")]
    [TestCase("POST", "/fhir/Bundle")]
    [TestCase("POST", "/fhir/OperationOutcome")]
    [TestCase("PUT", "/fhir/Medication/m1")]
    [TestCase("PUT", "/fhir/Practitioner/x")]
    public async Task UnsupportedResourceType_Is404OperationOutcome(string method, string path)
    {
        var outcome = await OutcomeAsync(await SendAsync(integration, new HttpMethod(method), path, Body(Temperature("p1", 37m, "Cel", At))), 404);
        Assert.That(outcome.Issue.Select(i => i.Diagnostics), Has.Some.Contain("/fhir/metadata"));
    }

    [Test]
    public async Task UnsupportedResourceType_ReadIs404OperationOutcome()
    {
        using var nurse = host.ClientFor("nurse", "7W");
        await OutcomeAsync(await nurse.GetAsync("/fhir/Medication/m1"), 404);
        await OutcomeAsync(await nurse.GetAsync("/fhir/Observation/no-such-observation"), 404);
    }

    [TestCase("bad%20id!")]
    [TestCase("a_b")]
    [TestCase("caf%C3%A9")]
    [TestCase("%2E%2E%2Fetc")]
    [TestCase("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Update_InvalidId_Is400NamingResourceId(string escapedId)
    {
        var outcome = await OutcomeAsync(await integration.PutAsync($"/fhir/Observation/{escapedId}", Body(Temperature("p1", 37m, "Cel", At))), 400);
        Assert.That(Expressions(outcome), Has.Some.EqualTo("Resource.id"));
    }

    [Test]
    public async Task Update_IdOf64Characters_IsAccepted()
    {
        var response = await integration.PutAsync($"/fhir/Observation/{new string('a', 64)}", Body(Temperature("p1", 37m, "Cel", At)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    [TestCase("patient=Patient/p1")]
    [TestCase("identifier=")]
    [TestCase("identifier=urn:ehr:obs|")]
    [TestCase("identifier=urn:ehr:obs|a&identifier=urn:ehr:obs|b")]
    [TestCase("identifier=urn:ehr:obs%7Ca%26_id%3Dx")]
    [TestCase("Identifier=urn:ehr:obs|a")]
    [TestCase(" ")]
    public async Task IfNoneExist_Malformed_Is400Naming_IfNoneExist(string condition)
    {
        var outcome = await OutcomeAsync(await SendAsync(integration, HttpMethod.Post, "/fhir/Observation",
            Body(Temperature("p1", 37m, "Cel", At, "cc-malformed")), ("If-None-Exist", condition)), 400);
        Assert.That(Expressions(outcome), Has.Some.EqualTo("If-None-Exist"));
    }

    [TestCase("Patient")]
    [TestCase("Location")]
    [TestCase("Encounter")]
    public async Task IfNoneExist_OnAdministrativeTypes_Is400(string type)
    {
        var body = type switch
        {
            "Patient" => Patient("cc-patient"),
            "Location" => Location("CC"),
            _ => Encounter("cc-enc", "p1", "7W"),
        };
        var outcome = await OutcomeAsync(await SendAsync(integration, HttpMethod.Post, $"/fhir/{type}", Body(body), ("If-None-Exist", "identifier=urn:mrn|x")), 400);
        Assert.That(outcome.Issue.Select(i => i.Diagnostics), Has.Some.Contain("conditional create is supported for"));
    }

    [TestCase("collection")]
    [TestCase("document")]
    [TestCase("searchset")]
    [TestCase("history")]
    [TestCase("transaction-response")]
    [TestCase("batch-response")]
    public async Task Bundle_OfATypeOtherThanBatchOrTransaction_Is422NamingBundleType(string type)
    {
        var outcome = await OutcomeAsync(await integration.PostAsync("/fhir", Body($$$"""{"resourceType":"Bundle","type":"{{{type}}}"}""")), 422);
        Assert.That(Expressions(outcome), Is.EqualTo(new[] { "Bundle.type" }));
    }

    [Test]
    public async Task Bundle_WithoutType_Is400()
    {
        await OutcomeAsync(await integration.PostAsync("/fhir", Body("""{"resourceType":"Bundle","entry":[]}""")), 400);
        await OutcomeAsync(await integration.PostAsync("/fhir", Body(Temperature("p1", 37m, "Cel", At))), 400);
    }

    [TestCase("DELETE", "Observation/x", 422)]
    [TestCase("GET", "Observation/x", 422)]
    [TestCase("PATCH", "Observation/x", 422)]
    [TestCase("POST", "Observation/x", 422)]
    [TestCase("PUT", "Observation", 400)] // a PUT needs an id or a condition (conditional update): a malformed request
    [TestCase("PUT", "Observation/bad id", 400)] // not a FHIR id
    [TestCase("PUT", "Observation?code=8310-5", 400)] // conditional update by identifier only
    [TestCase("POST", "Patient", 422)]
    public async Task Transaction_EntryWithAnUnsupportedRequest_IsRefusedNamingTheEntry(string method, string url, int status)
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"transaction","entry":[
              {"resource":{{{Temperature("p1", 37.3m, "Cel", At, $"tx-{method}-{url}")}}},"request":{"method":"POST","url":"Observation"}},
              {"resource":{{{Temperature("p1", 37.3m, "Cel", At)}}},"request":{"method":"{{{method}}}","url":"{{{url}}}"}}]}
            """;
        var outcome = await OutcomeAsync(await integration.PostAsync("/fhir", Body(bundle)), status);
        Assert.That(Expressions(outcome), Has.All.StartsWith("Bundle.entry[1]"));
    }

    [Test]
    public async Task Batch_EntryWithDelete_Is422InItsResponseEntry_OthersStored()
    {
        var bundle = $$$"""
            {"resourceType":"Bundle","type":"batch","entry":[
              {"request":{"method":"DELETE","url":"Observation/x"}},
              {"resource":{{{Temperature("p1", 37.4m, "Cel", At, "batch-after-delete")}}},"request":{"method":"POST","url":"Observation"}}]}
            """;
        var response = await integration.PostAsync("/fhir", Body(bundle));
        var text = await Ok(response);
        var result = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var statuses = result["entry"]!.AsArray().Select(e => e!["response"]!["status"]!.GetValue<string>()).ToList();
        Assert.That(statuses, Is.EqualTo(new[] { "422 Unprocessable Entity", "201 Created" }), text);
    }

    [TestCase("POST", "/fhir/Observation")]
    [TestCase("PUT", "/fhir/Observation/x")]
    [TestCase("POST", "/fhir")]
    [TestCase("GET", "/fhir/Observation/x")]
    [TestCase("GET", "/fhir/Observation?patient=p1")]
    public async Task NoToken_Is401OperationOutcome_WithABearerChallenge(string method, string path)
    {
        using var anonymous = host.ClientWith(null);
        var response = await SendAsync(anonymous, new HttpMethod(method), path, method == "GET" ? null : Body(Temperature("p1", 37m, "Cel", At)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain("Bearer"));
            await OutcomeAsync(response, 401);
        }
    }

    [TestCase("garbage")]
    [TestCase("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwicm9sZSI6ImludGVncmF0aW9uIn0.")]
    [TestCase("a.b.c")]
    [TestCase("")]
    public async Task GarbageBearer_Is401OperationOutcome(string token)
    {
        using var client = host.CreateClient();
        var response = await SendAsync(client, HttpMethod.Post, "/fhir/Observation", Body(Temperature("p1", 37m, "Cel", At)), ("Authorization", $"Bearer {token}"));
        await OutcomeAsync(response, 401);
    }

    [Test]
    public async Task TamperedBearer_Is401_AndAnotherSchemeIs401()
    {
        var token = host.TokenFor("integration");
        var parts = token.Split('.');
        var claims = Encoding.UTF8.GetString(Convert.FromBase64String(Pad(parts[1].Replace('-', '+').Replace('_', '/'))));
        var elevated = Convert.ToBase64String(Encoding.UTF8.GetBytes(claims.Replace("\"integration\"", "\"admin\"", StringComparison.Ordinal)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.That(claims, Does.Contain("\"integration\""));
        using var client = host.CreateClient();
        var body = Temperature("p1", 37m, "Cel", At);
        using (Assert.EnterMultipleScope())
        {
            await OutcomeAsync(await SendAsync(client, HttpMethod.Post, "/fhir/Observation", Body(body), ("Authorization", $"Bearer {parts[0]}.{elevated}.{parts[2]}")), 401);
            await OutcomeAsync(await SendAsync(client, HttpMethod.Post, "/fhir/Observation", Body(body), ("Authorization", $"Basic {token}")), 401);
        }
    }

    [TestCase("Patient")]
    [TestCase("Location")]
    [TestCase("Encounter")]
    public async Task Nurse_WritingAdministrativeResources_Is403OperationOutcome(string type)
    {
        using var nurse = host.ClientFor("nurse", "7W");
        var body = type switch
        {
            "Patient" => Patient("by-nurse"),
            "Location" => Location("7W"),
            _ => Encounter("enc-by-nurse", "p1", "7W"),
        };
        var id = System.Text.Json.Nodes.JsonNode.Parse(body)!["id"]!.GetValue<string>();
        await OutcomeAsync(await nurse.PostAsync($"/fhir/{type}", Body(body)), 403);
        await OutcomeAsync(await nurse.PutAsync($"/fhir/{type}/{id}", Body(body)), 403);
    }

    [Test]
    public async Task Admin_Writing_AndIntegration_Reading_Are403OperationOutcomes()
    {
        using var admin = host.ClientFor("admin");
        await OutcomeAsync(await admin.PostAsync("/fhir/Observation", Body(Temperature("p1", 37m, "Cel", At))), 403);
        await OutcomeAsync(await admin.PostAsync("/fhir", Body("""{"resourceType":"Bundle","type":"batch"}""")), 403);
        await OutcomeAsync(await integration.GetAsync("/fhir/Patient/p1"), 403);
        await OutcomeAsync(await integration.GetAsync("/fhir/Observation?patient=p1"), 403);
    }

    [TestCase("DELETE", "/fhir/Observation/x")]
    [TestCase("PATCH", "/fhir/Observation/x")]
    [TestCase("DELETE", "/fhir")]
    public async Task UnsupportedMethod_Is405OperationOutcome(string method, string path)
    {
        var response = await SendAsync(integration, new HttpMethod(method), path, Body("{}"));
        await OutcomeAsync(response, 405);
    }

    private static int ExpectedStatus(MalformedCase c) => c.Body.Length > FhirHttp.MaxResourceBytes ? TooLarge : c.Status;

    private Task<Answer> ReplayAsync(MalformedCase c) => replayed.GetOrAdd(c.Name, _ => SendCaseAsync(c));

    private async Task<Answer> SendCaseAsync(MalformedCase c)
    {
        using var response = await corpus.PostAsync($"/fhir/{c.Type}", Bytes(c.Body));
        return new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    /// <summary>What the store keeps of a case's body: nothing past the size limit, else its text (NUL made U+FFFD).</summary>
    private static string KeptBody(MalformedCase c) =>
        ExpectedStatus(c) == TooLarge ? string.Empty : RejectedPayloadStore.BodyText(c.Body).Replace('\0', '\uFFFD');

    /// <summary>A kept payload's identity; leading byte-order marks aside (the endpoint may drop one before keeping the body).</summary>
    private static string Key(string path, int status, string body, string outcome) =>
        $"{path} {status} {Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(body.TrimStart('\uFEFF'))))} {outcome}";

    /// <summary><paramref name="json"/> followed by spaces up to exactly <paramref name="length"/> bytes (still valid JSON).</summary>
    private static byte[] Padded(string json, int length)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var padded = new byte[length];
        bytes.CopyTo(padded, 0);
        padded.AsSpan(bytes.Length).Fill((byte)' ');
        return padded;
    }

    /// <summary>A body sent without Content-Length (chunked), so only reading it can find it too large.</summary>
    private static StreamContent Chunked(byte[] body)
    {
        var content = new StreamContent(new UnseekableStream(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(MediaType);
        return content;
    }

    /// <summary>
    /// A valid temperature whose root carries <paramref name="levels"/> nested complex extensions: JSON depth
    /// 1 + 2 × levels (31 → 63, within the limit of 64; 32 → 65, past it).
    /// </summary>
    private static string NestedExtensions(int levels, string identifier)
    {
        var open = string.Concat(Enumerable.Repeat("""{"url":"http://example.org/nested","extension":[""", levels - 1));
        var close = string.Concat(Enumerable.Repeat("]}", levels - 1));
        var extension = $$$"""[{{{open}}}{"url":"http://example.org/leaf","valueString":"x"}{{{close}}}]""";
        var temperature = Temperature("p1", 37m, "Cel", At, identifier);
        return temperature.Insert(temperature.IndexOf('{', StringComparison.Ordinal) + 1, $"\"extension\":{extension},");
    }

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');

    private sealed record Answer(int Status, string? MediaType, string Body);

    /// <summary>A read-only stream that does not know its length.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
