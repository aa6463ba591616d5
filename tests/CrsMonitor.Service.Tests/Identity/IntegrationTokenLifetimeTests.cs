using System.Net;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Service.Tests.Identity;

/// <summary>
/// The service itself refuses an integration token that lives longer than 5 minutes (exp − iat, or exp − nbf without
/// iat), or whose lifetime it cannot tell, with a 401 that says why in WWW-Authenticate (error="invalid_token") and in
/// the body; not only the token verb. Tokens here are signed with the development key, as a misconfigured client
/// holding it could. People's tokens keep their longer lifetimes. (OpenID Connect mode: OpenIdConnectModeTests.)
/// </summary>
public sealed class IntegrationTokenLifetimeTests
{
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public void StartHost() => host = new ServiceHost();

    [OneTimeTearDown]
    public void StopHost() => host.Dispose();

    [TestCase(60)]
    [TestCase(300)]
    public async Task IntegrationToken_OfAtMostFiveMinutes_IsAccepted(int seconds)
    {
        using var response = await MeAsync(Sign(Roles.Integration, TimeSpan.FromSeconds(seconds), issuedAt: true, notBefore: true));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase(301, "5.02")]
    [TestCase(360, "6")]
    [TestCase(8 * 3600, "480")]
    public async Task IntegrationToken_LivingLonger_Is401_SayingSoInWwwAuthenticateAndTheBody(int seconds, string minutes)
    {
        using var response = await MeAsync(Sign(Roles.Integration, TimeSpan.FromSeconds(seconds), issuedAt: true, notBefore: true));
        await AssertRefusedAsync(response, $"An integration token may live at most 5 minutes (exp - iat); this one lives {minutes} minutes.");
    }

    [Test]
    public async Task IntegrationToken_WithoutIat_CountsItsLifetimeFromNbf()
    {
        using (var fiveMinutes = await MeAsync(Sign(Roles.Integration, TimeSpan.FromMinutes(5), issuedAt: false, notBefore: true)))
        {
            Assert.That(fiveMinutes.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var tenMinutes = await MeAsync(Sign(Roles.Integration, TimeSpan.FromMinutes(10), issuedAt: false, notBefore: true));
        await AssertRefusedAsync(tenMinutes, "this one lives 10 minutes");
    }

    [Test]
    public async Task IntegrationToken_WithNeitherIatNorNbf_Is401_ItsLifetimeCannotBeTold()
    {
        using var response = await MeAsync(Sign(Roles.Integration, TimeSpan.FromMinutes(2), issuedAt: false, notBefore: false));
        await AssertRefusedAsync(response, "An integration token must say when it was issued (iat or nbf)");
    }

    [Test]
    public async Task IntegrationToken_WithoutExp_Is401()
    {
        using var response = await MeAsync(Sign(Roles.Integration, lifetime: null, issuedAt: true, notBefore: true));
        await AssertRefusedAsync(response, "no expiry (exp)");
    }

    [TestCase(Roles.Nurse)]
    [TestCase(Roles.Physician)]
    [TestCase(Roles.Admin)]
    public async Task PeoplesTokens_KeepTheirLongerLifetimes(string role)
    {
        using var response = await MeAsync(Sign(role, TimeSpan.FromHours(8), issuedAt: true, notBefore: true));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<HttpResponseMessage> MeAsync(string token)
    {
        using var client = host.ClientWith(token);
        return await client.GetAsync("/api/me");
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string reason)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var challenge = response.Headers.WwwAuthenticate.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(challenge.Scheme, Is.EqualTo("Bearer"));
            Assert.That(challenge.Parameter, Does.Contain("error=\"invalid_token\"").And.Contain($"error_description=\"").And.Contain(reason));
            Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(reason));
        }
    }

    /// <summary>A token signed with this host's development key; null lifetime: no exp at all.</summary>
    private string Sign(string role, TimeSpan? lifetime, bool issuedAt, bool notBefore)
    {
        var key = DevSigningKey.LoadOrCreate(new DataDirectory(host.Data.Path), host.Time);
        var now = host.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DevSigningKey.Issuer,
            Audience = DevSigningKey.Audience,
            IssuedAt = issuedAt ? now : null,
            NotBefore = notBefore ? now : null,
            Expires = lifetime is { } l ? now + l : null,
            Claims = new Dictionary<string, object> { ["sub"] = "feed-1", ["role"] = role, ["unit"] = new[] { "7W" } },
            SigningCredentials = key.SigningCredentials,
        });
    }
}
