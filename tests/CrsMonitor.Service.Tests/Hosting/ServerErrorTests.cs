using System.Net;
using System.Text.Json.Nodes;
using CrsMonitor.Grading;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest.Endpoints;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// A 500 that still happens (issue 10) is audited (outcome <c>error</c>, with the request's correlation id) and
/// answered with <c>X-Correlation-Id</c> and the id in the text: an OperationOutcome under /fhir, problem+json elsewhere,
/// never the exception's text. Provoked for real: the host's FHIR write processor and the calculator's settings are
/// replaced by ones that throw, as a bug in them would.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class ServerErrorTests(StorageProvider provider)
{
    private const string Secret = "secret detail of the failure";

    private readonly FailingGradingSettings grading = new();
    private TestDatabase database = null!;
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings, s =>
        {
            s.AddSingleton<FhirBundleProcessor>(_ => throw new InvalidOperationException(Secret));
            s.AddSingleton<IOptions<GradingSettings>>(grading);
        });

        // Started first: the alert service reads the grading settings once at start-up; only requests see the failure.
        _ = host.Services;
        grading.Failing = true;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task FhirWriteThatThrows_Is500OperationOutcomeWithTheCorrelationId_AndAnErrorAuditRow()
    {
        using var integration = host.ClientWith(host.Token("--role", "integration", "--sub", "feed-500"));
        var response = await integration.PostAsync("/fhir/Observation", Body(Temperature("p1", 37m, "Cel", ServiceHost.Start)));
        var text = await response.Content.ReadAsStringAsync();
        var correlationId = CorrelationIdOf(response);
        var issue = JsonNode.Parse(text)!["issue"]![0]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), text);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo(MediaType));
            Assert.That(JsonNode.Parse(text)!["resourceType"]!.GetValue<string>(), Is.EqualTo("OperationOutcome"));
            Assert.That(issue["code"]!.GetValue<string>(), Is.EqualTo("exception"));
            Assert.That(issue["diagnostics"]!.GetValue<string>(), Does.Contain(correlationId));
            Assert.That(text, Does.Not.Contain(Secret).And.Not.Contain(" at "));
        }

        var row = await AuditRowAsync(correlationId);
        Assert.That((row.Outcome, row.Actor, row.Role), Is.EqualTo(("error", "feed-500", "integration")));
    }

    [Test]
    public async Task ApiCallThatThrows_Is500ProblemWithTheCorrelationId_AndAnErrorAuditRow()
    {
        using var nurse = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "nurse-500"));
        var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json("""{"crs":{"temperature":{"value":38.4,"unit":"Cel"}}}"""));
        var text = await response.Content.ReadAsStringAsync();
        var correlationId = CorrelationIdOf(response);
        var problem = JsonNode.Parse(text)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError), text);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(problem["correlationId"]!.GetValue<string>(), Is.EqualTo(correlationId));
            Assert.That(problem["detail"]!.GetValue<string>(), Does.Contain(correlationId));
            Assert.That(text, Does.Not.Contain(Secret));
        }

        var row = await AuditRowAsync(correlationId);
        Assert.That((row.Outcome, row.Actor), Is.EqualTo(("error", "nurse-500")));
    }

    private static string CorrelationIdOf(HttpResponseMessage response)
    {
        Assert.That(response.Headers.TryGetValues(AuditMiddleware.CorrelationHeader, out var values), Is.True, "X-Correlation-Id missing");
        return values!.Single();
    }

    private async Task<AuditEntry> AuditRowAsync(string correlationId)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        var rows = (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId).ToList();
        Assert.That(rows, Has.Count.EqualTo(1), "one audit row for the failed request");
        return rows[0];
    }

    /// <summary>The calculator's settings, failing once <see cref="Failing"/> is set (after start-up).</summary>
    private sealed class FailingGradingSettings : IOptions<GradingSettings>
    {
        public bool Failing { get; set; }

        public GradingSettings Value => Failing ? throw new InvalidOperationException(Secret) : new GradingSettings();
    }
}
