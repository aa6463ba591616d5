using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// Rejected bodies a client may have kept in full are bounded (issue 10: one nurse token kept 68 MB in 2.6 s): past
/// <c>Limits:RejectedBodyBytesPerClient</c> in the rolling window every rejection is still kept with its OperationOutcome,
/// but its body only as its head, with the whole body's length and SHA-256. Other clients keep theirs; the allowance
/// comes back as the window passes (fake time).
/// </summary>
public sealed class RejectedPayloadLimitTests
{
    private const int HeadBytes = 100;

    private ServiceHost host = null!;
    private HttpClient feedA = null!;
    private HttpClient feedB = null!;

    [SetUp]
    public void Start()
    {
        host = new ServiceHost(new Dictionary<string, string?>
        {
            ["Limits:RejectedBodyBytesPerClient"] = "2500",
            ["Limits:RejectedBodyWindow"] = "01:00:00",
            ["Limits:RejectedBodyHeadBytes"] = HeadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        feedA = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "feed-a"));
        feedB = host.ClientWith(host.Token("--role", "nurse", "--unit", "7W", "--sub", "feed-b"));
    }

    [TearDown]
    public void Stop()
    {
        feedA.Dispose();
        feedB.Dispose();
        host.Dispose();
    }

    [Test]
    public async Task OverItsAllowance_AClientsRejectionsAreKeptWithTheHeadLengthAndHashOfTheBody_NotInFull()
    {
        var bodies = new[] { Invalid('a'), Invalid('b'), Invalid('c') };
        var answers = new List<string>();
        foreach (var body in bodies)
        {
            using var response = await feedA.PostAsync("/fhir/Observation", Body(body));
            Assert.That((int)response.StatusCode, Is.EqualTo(400));
            answers.Add(await response.Content.ReadAsStringAsync());
        }

        var kept = await KeptAsync("feed-a");
        var third = kept[2];
        var note = JsonNode.Parse(third.OutcomeJson)!["issue"]!.AsArray().Last()!;
        var bytes = Encoding.UTF8.GetBytes(bodies[2]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(kept, Has.Count.EqualTo(3), "every rejection is kept");
            Assert.That(kept.Take(2).Select(k => k.Body), Is.EqualTo(bodies.Take(2)), "within the allowance: in full");
            Assert.That(kept.Take(2).Select(k => k.OutcomeJson), Is.EqualTo(answers.Take(2)), "within the allowance: the answer as sent");
            Assert.That(third.Body, Is.EqualTo(bodies[2][..HeadBytes]), "over it: the head only");
            Assert.That(note["severity"]!.GetValue<string>(), Is.EqualTo("information"));
            Assert.That(note["diagnostics"]!.GetValue<string>(), Does.Contain($"of {bytes.Length} bytes")
                .And.Contain(Convert.ToHexStringLower(SHA256.HashData(bytes)))
                .And.Contain("Limits:RejectedBodyBytesPerClient"));
            Assert.That(answers[2], Does.Not.Contain("SHA-256"), "the client's answer is unchanged");
            Assert.That(JsonNode.Parse(third.OutcomeJson)!["issue"]!.AsArray(), Has.Count.EqualTo(JsonNode.Parse(answers[2])!["issue"]!.AsArray().Count + 1));
        }
    }

    [Test]
    public async Task AnotherClient_KeepsItsOwnInFull_AndTheAllowanceComesBackAsTheWindowPasses()
    {
        foreach (var c in "abc")
        {
            (await feedA.PostAsync("/fhir/Observation", Body(Invalid(c)))).Dispose();
        }

        (await feedB.PostAsync("/fhir/Observation", Body(Invalid('x')))).Dispose();
        host.Time.Advance(TimeSpan.FromMinutes(59));
        (await feedA.PostAsync("/fhir/Observation", Body(Invalid('d')))).Dispose();
        host.Time.Advance(TimeSpan.FromMinutes(1));
        (await feedA.PostAsync("/fhir/Observation", Body(Invalid('e')))).Dispose();

        var a = await KeptAsync("feed-a");
        var b = await KeptAsync("feed-b");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(b.Select(k => k.Body), Is.EqualTo(new[] { Invalid('x') }), "another client's allowance is its own");
            Assert.That(a.Select(k => k.Body.Length == HeadBytes), Is.EqualTo(new[] { false, false, true, true, false }),
                "full, full, head, head (still within the hour), full (an hour after the first)");
        }
    }

    /// <summary>An Observation with an unknown element (400), 1,000 bytes and more, different for each <paramref name="fill"/>.</summary>
    private static string Invalid(char fill) =>
        $$"""{"resourceType":"Observation","status":"final","notAnElement":"{{new string(fill, 1000)}}"}""";

    private async Task<IReadOnlyList<RejectedPayload>> KeptAsync(string client)
    {
        await using var connection = await host.Services.GetRequiredService<Database>().OpenAsync(CancellationToken.None);
        return [.. (await RejectedPayloadStore.RecentAsync(connection, 1000, CancellationToken.None))
            .Where(k => k.Payload.ClientId == client).OrderBy(k => k.Id).Select(k => k.Payload)];
    }
}
