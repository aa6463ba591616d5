using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Limits;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// Per-client request budgets (issue 10): a client over its budget is answered 429 with Retry-After (an OperationOutcome
/// "throttled" under /fhir, problem+json elsewhere) and audited as denied; other clients are not affected; the budget
/// refills as the service's clock passes (fake time, never a sleep).
/// </summary>
public sealed class RateLimitTests
{
    private ServiceHost host = null!;

    [SetUp]
    public void Start() => host = new ServiceHost(new Dictionary<string, string?>
    {
        ["Limits:Staff:RequestsPerSecond"] = "1",
        ["Limits:Staff:Burst"] = "3",
        ["Limits:Integration:RequestsPerSecond"] = "100",
        ["Limits:Integration:Burst"] = "10",
        ["Limits:Anonymous:RequestsPerSecond"] = "0.5",
        ["Limits:Anonymous:Burst"] = "2",
    });

    [TearDown]
    public void Stop() => host.Dispose();

    [Test]
    public async Task StaffOverBudget_On_Fhir_Is429WithRetryAfterAndAThrottledOperationOutcome()
    {
        using var ann = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "nurse-ann"));
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await ann.GetAsync("/fhir/metadata");
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"request {i + 1} of a burst of 3");
        }

        using var refused = await ann.GetAsync("/fhir/metadata");
        var text = await refused.Content.ReadAsStringAsync();
        var (outcome, error) = FhirJson.Parse(Encoding.UTF8.GetBytes(text), "OperationOutcome");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), text);
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/fhir+json"));
            Assert.That(error, Is.Null, text);
            Assert.That(((OperationOutcome)outcome!).Issue.Select(i => i.Code), Is.EqualTo(new[] { OperationOutcome.IssueType.Throttled }));
        }
    }

    [Test]
    public async Task StaffOverBudget_ElsewhereIs429ProblemJson_AndAuditedAsDenied()
    {
        using var ann = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "nurse-ann"));
        for (var i = 0; i < 3; i++)
        {
            (await ann.GetAsync("/api/me")).Dispose();
        }

        using var refused = await ann.GetAsync("/api/me");
        var body = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        var rows = await AuditRowsOfAsync(refused);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(refused.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(body["status"]!.GetValue<int>(), Is.EqualTo(429));
            Assert.That(rows.Select(r => (r.Actor, r.Action, r.Outcome)), Is.EqualTo(new[] { ((string?)"nurse-ann", RequestBudgets.AuditAction, "denied") }));
        }
    }

    [Test]
    public async Task OneClientOverBudget_DoesNotAffectAnother_AndItsBudgetRefillsAsTimePasses()
    {
        using var ann = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "nurse-ann"));
        using var bob = host.ClientWith(host.Token("--role", "physician", "--unit", "7W", "--sub", "dr-bob"));
        var annStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            annStatuses.Add(await StatusAsync(ann, "/api/me"));
        }

        var bobStatus = await StatusAsync(bob, "/api/me");
        host.Time.Advance(TimeSpan.FromMilliseconds(999));
        var annJustBefore = await StatusAsync(ann, "/api/me");
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var annAfter = await StatusAsync(ann, "/api/me");
        var annAgain = await StatusAsync(ann, "/api/me");
        host.Time.Advance(TimeSpan.FromMinutes(10));
        var annRefilled = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            annRefilled.Add(await StatusAsync(ann, "/api/me"));
        }

        const HttpStatusCode ok = HttpStatusCode.OK, limited = HttpStatusCode.TooManyRequests;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(annStatuses, Is.EqualTo(new[] { ok, ok, ok, limited, limited }), "a burst of 3, then refused");
            Assert.That(bobStatus, Is.EqualTo(ok), "another client has its own budget");
            Assert.That((annJustBefore, annAfter, annAgain), Is.EqualTo((limited, ok, limited)), "one request a second");
            Assert.That(annRefilled, Is.EqualTo(new[] { ok, ok, ok, limited }), "refilled to the burst, not beyond");
        }
    }

    [Test]
    public async Task IntegrationFeed_HasItsOwnLargerBudget()
    {
        using var feed = host.ClientWith(host.Token("--role", "integration", "--sub", "feed-1"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 11; i++)
        {
            statuses.Add(await StatusAsync(feed, "/fhir/metadata"));
        }

        Assert.That(statuses, Is.EqualTo(Enumerable.Repeat(HttpStatusCode.OK, 10).Append(HttpStatusCode.TooManyRequests)));
    }

    [Test]
    public async Task Anonymous_IsLimitedPerAddress_IncludingRequestsThatWouldBe401()
    {
        using var anonymous = host.ClientWith(null);
        var statuses = new List<HttpStatusCode>
        {
            await StatusAsync(anonymous, "/health/live"),
            await StatusAsync(anonymous, "/api/me"),
            await StatusAsync(anonymous, "/health/live"),
            await StatusAsync(anonymous, "/fhir/Observation?patient=p1"),
        };
        using var nurse = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W"));
        var withToken = await StatusAsync(nurse, "/api/me");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(statuses, Is.EqualTo(new[] { HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests }));
            Assert.That(withToken, Is.EqualTo(HttpStatusCode.OK), "a token's subject has its own budget");
        }
    }

    [TestCase("Limits:Staff:Burst", "0", "Limits:Staff:Burst must be from 1")]
    [TestCase("Limits:Integration:RequestsPerSecond", "0", "Limits:Integration:RequestsPerSecond must be from 0.01")]
    [TestCase("Limits:RejectedBodyWindow", "00:00:10", "Limits:RejectedBodyWindow must be from 00:01:00")]
    [TestCase("Limits:RejectedBodyHeadBytes", "-1", "Limits:RejectedBodyHeadBytes must be from 0")]
    [TestCase("Limits:RejectedBodyBytesPerClient", "-5", "Limits:RejectedBodyBytesPerClient must be from 0")]
    public void Settings_OutOfRange_AreProblemsNamingTheSetting(string key, string value, string expected) =>
        Assert.That(LimitSettings.FromConfiguration(Configuration(key, value)).Problems(), Has.One.Contains(expected));

    [TestCase("Limits:Staf:Burst", "5", "Staf")]
    [TestCase("Limits:Staff:Burst", "many", "Limits:Staff:Burst")]
    public void Settings_UnknownOrMistypedKey_IsAProblemNamingIt(string key, string value, string named) =>
        Assert.That(CrsMonitor.Service.Hosting.ConfigurationCheck.Problems(Configuration(key, value)), Has.Some.Contain(named));

    [Test]
    public void Startup_WithAnInvalidBudget_IsRefusedNamingIt()
    {
        using var refused = new ServiceHost(new Dictionary<string, string?> { ["Limits:Anonymous:Burst"] = "0" });
        var error = Assert.Catch(() => refused.CreateClient().Dispose());
        Assert.That(error!.Message, Does.Contain("Limits:Anonymous:Burst"));
    }

    [Test]
    public void Defaults_LetAFeedOfHundredsASecondThrough_AndAreValid()
    {
        var defaults = LimitSettings.FromConfiguration(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(defaults.Problems(), Is.Empty);
            Assert.That(defaults, Is.EqualTo(new LimitSettings()), "appsettings.json states the built-in defaults");
            Assert.That(defaults.Integration.RequestsPerSecond, Is.GreaterThanOrEqualTo(500));
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    private async Task<IReadOnlyList<AuditEntry>> AuditRowsOfAsync(HttpResponseMessage response)
    {
        var correlationId = response.Headers.GetValues(AuditMiddleware.CorrelationHeader).Single();
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. (await AuditStore.RecentAsync(connection, 10_000, CancellationToken.None)).Where(r => r.CorrelationId == correlationId)];
    }

    private static IConfiguration Configuration(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
}
