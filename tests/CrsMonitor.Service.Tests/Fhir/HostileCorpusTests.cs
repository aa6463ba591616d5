using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The generated hostile corpus (<see cref="HostileCorpus"/>) and hostile addresses, over HTTP with an integration
/// token, on each storage provider (issue 10): no answer is a 5xx, every refusal is an OperationOutcome, characters a
/// provider cannot store and instants outside the supported range are refused, and the service is healthy after.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class HostileCorpusTests(StorageProvider provider)
{
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    public static IEnumerable<TestCaseData> Corpus() => HostileCorpus.Cases.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
        await AdmitAsync(integration, "p1", "7W");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        // The service is healthy after the whole corpus: ready, and a valid reading is still accepted and readable.
        using var anonymous = host.ClientWith(null);
        var ready = await anonymous.GetAsync("/health/ready");
        var created = await integration.PostAsync("/fhir/Observation", Body(Temperature("p1", 37.1m, "Cel", ServiceHost.Start.AddHours(-2), "after-corpus")));
        var status = await nurse.GetAsync("/api/patients/p1/status");
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.OK), "ready after the hostile corpus");
            Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created), "a valid write after the hostile corpus");
            Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a nurse's read after the hostile corpus");
        }
    }

    [TestCaseSource(nameof(Corpus))]
    public async Task Hostile_IsNever5xx_AndEveryRefusalIsAnOperationOutcome(HostileCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var response = await integration.PostAsync($"/fhir/{c.Type}", Body(c.Json));
        var code = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(code, Is.LessThan(500), text);
        if (c.Kind is "nul" or "control" or "lone-surrogate" or "instant")
        {
            Assert.That(code, Is.InRange(400, 499), () => $"{c.Kind} in {c.Element} must be refused: {text}");
        }

        if (code >= 400)
        {
            AssertOutcome(text);
        }
    }

    [TestCase("/fhir/Observation/a%2F..%2F..%2Fb")]
    [TestCase("/fhir/%C0%AE%C0%AE/x")]
    [TestCase("/fhir/Observation?patient=%00")]
    [TestCase("/fhir/Observation?patient=p1&date=ge0001-01-01")]
    [TestCase("/fhir/Observation?patient=p1&date=le9999-12-31T23:59:59Z")]
    [TestCase("/fhir/Observation?patient=p1&date=ge99999-01-01")]
    [TestCase("/fhir/Observation?patient=p1&_count=99999999999999999999")]
    [TestCase("/fhir/Observation/x/_history/99999999999999999999")]
    [TestCase("/fhir/Observation/x/_history")]
    public async Task HostileAddress_IsNever5xx_AndEveryRefusalIsAnOperationOutcome(string path)
    {
        var response = await nurse.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.LessThan(500), text);
        if ((int)response.StatusCode >= 400)
        {
            AssertOutcome(text);
        }
    }

    [TestCase("identifier=urn:ehr:obs|%00")]
    [TestCase("identifier=urn:ehr:obs|\u0001x")]
    [TestCase("identifier=%00|x")]
    public async Task HostileIfNoneExist_IsA4xxOperationOutcome(string condition)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation") { Content = Body(Temperature("p1", 37m, "Cel", ServiceHost.Start.AddHours(-3))) };
        request.Headers.TryAddWithoutValidation("If-None-Exist", condition);
        var response = await integration.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.InRange(400, 499), text);
        AssertOutcome(text);
    }

    private static void AssertOutcome(string text)
    {
        var (resource, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(text), "OperationOutcome");
        Assert.That(error, Is.Null, () => $"not an OperationOutcome: {text}");
        var outcome = (OperationOutcome)resource!;
        Assert.That(outcome.Issue, Has.Some.Matches<OperationOutcome.IssueComponent>(
            i => i!.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal
                 && (i.Expression.Any(e => !string.IsNullOrWhiteSpace(e)) || !string.IsNullOrWhiteSpace(i.Diagnostics))), text);
        _ = JsonNode.Parse(text);
    }
}
