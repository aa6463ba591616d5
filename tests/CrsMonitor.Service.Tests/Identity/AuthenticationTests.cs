using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Service.Tests.Identity;

/// <summary>Development mode: who gets in (401), who may use the calculator (403), what the service reads from a token.</summary>
public sealed class AuthenticationTests
{
    private const string Evaluate = "/api/grading/evaluate";
    private const string Body = """{"crs":{"temperature":{"value":38.4,"unit":"Cel"},"oxygen":{"device":"room-air"}}}""";
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public void StartHost() => host = new ServiceHost();

    [OneTimeTearDown]
    public void StopHost() => host.Dispose();

    [Test]
    public async Task Evaluate_WithoutToken_Is401WithProblemBody()
    {
        using var client = host.ClientWith(null);
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        await AssertProblem(response, HttpStatusCode.Unauthorized, "bearer token is required");
        Assert.That(response.Headers.WwwAuthenticate.Select(h => h.Scheme), Does.Contain("Bearer"));
    }

    [Test]
    public async Task Evaluate_GarbageToken_Is401()
    {
        using var client = host.ClientWith("not-a-jwt");
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        await AssertProblem(response, HttpStatusCode.Unauthorized, "not valid");
    }

    [Test]
    public async Task Evaluate_TokenSignedWithAnotherDataFoldersKey_Is401()
    {
        using var other = new TempDirectory();
        var key = DevSigningKey.LoadOrCreate(new DataDirectory(other.Path), host.Time);
        var token = DevTokenIssuer.Issue(key, host.Identity, host.Time, Roles.Nurse, ["7W"], "n1", TimeSpan.FromHours(1));
        using var client = host.ClientWith(token);
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Evaluate_UnsignedTokenWithAlgNone_Is401()
    {
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        var exp = host.Time.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        var payload = Base64UrlEncoder.Encode($$"""{"iss":"crsmonitor-dev","aud":"crsmonitor-dev","sub":"x","role":"nurse","exp":{{exp}}}""");
        using var client = host.ClientWith($"{header}.{payload}.");
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Evaluate_DevKeyTokenForAnotherAudience_Is401()
    {
        var key = DevSigningKey.LoadOrCreate(new DataDirectory(host.Data.Path), host.Time);
        var now = host.Time.GetUtcNow().UtcDateTime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevSigningKey.Issuer,
            Audience = "some-other-service",
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "n1", ["role"] = "nurse" },
            SigningCredentials = key.SigningCredentials,
        });
        using var client = host.ClientWith(token);
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task Evaluate_ExpiredToken_Is401SayingExpired()
    {
        var token = host.Token("--role", "nurse", "--minutes", "10");
        using var client = host.ClientWith(token);
        using (var before = await client.GetAsync("/api/me"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "valid before expiry");
        }

        host.Time.Advance(TimeSpan.FromMinutes(12));
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        await AssertProblem(response, HttpStatusCode.Unauthorized, "expired");
    }

    [TestCase(Roles.Integration)]
    [TestCase(Roles.Admin)]
    public async Task Evaluate_IntegrationOrAdminToken_Is403(string role)
    {
        using var client = host.ClientFor(role, "7W");
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        await AssertProblem(response, HttpStatusCode.Forbidden, "role");
    }

    [Test]
    public async Task Evaluate_TokenWithUnknownRole_Is403()
    {
        var key = DevSigningKey.LoadOrCreate(new DataDirectory(host.Data.Path), host.Time);
        var token = DevTokenIssuer.Issue(key, host.Identity, host.Time, "janitor", ["7W"], "j1", TimeSpan.FromHours(1));
        using var client = host.ClientWith(token);
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase(Roles.Nurse)]
    [TestCase(Roles.Physician)]
    public async Task Evaluate_NurseOrPhysicianToken_Is200(string role)
    {
        using var client = host.ClientFor(role, "7W");
        using var response = await client.PostAsync(Evaluate, ServiceHost.Json(Body));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Me_ReadsSubjectRoleAndEveryUnitFromTheToken()
    {
        using var client = host.ClientWith(host.Token("--role", "physician", "--unit", "7W", "--unit", "8E", "--sub", "dr-house"));
        var me = await client.GetFromJsonAsync<JsonObject>("/api/me");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(me!["subject"]!.GetValue<string>(), Is.EqualTo("dr-house"));
            Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "physician" }));
            Assert.That(me["units"]!.AsArray().Select(u => u!.GetValue<string>()), Is.EqualTo(new[] { "7W", "8E" }));
        }
    }

    [Test]
    public async Task Me_WithoutToken_Is401_EverythingButHealthNeedsAToken()
    {
        using var client = host.ClientWith(null);
        using var response = await client.GetAsync("/api/me");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task SignInMethod_IsAnonymous_AndSaysDevelopmentTokens()
    {
        using var client = host.ClientWith(null);
        var method = await client.GetFromJsonAsync<JsonObject>("/api/sign-in");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(method!["mode"]!.GetValue<string>(), Is.EqualTo("development"));
            Assert.That(method.ContainsKey("authority"), Is.False);
        }
    }

    internal static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var body = await response.Content.ReadAsStringAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(status), body);
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }

        var problem = JsonNode.Parse(body)!;
        Assert.That(problem["detail"]?.GetValue<string>(), Does.Contain(detailContains).IgnoreCase);
        if (response.RequestMessage?.Headers.Authorization?.Parameter is { } token)
        {
            // (No "\0" stand-in without a token: with ICU, culture-aware search finds the ignorable NUL everywhere.)
            Assert.That(body, Does.Not.Contain(token), "the token is never echoed");
        }
    }
}
