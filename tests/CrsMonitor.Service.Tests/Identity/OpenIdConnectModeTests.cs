using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Ingest.Endpoints;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace CrsMonitor.Service.Tests.Identity;

/// <summary>
/// Production mode: Authority and Audience set. The provider's metadata is replaced by an in-process configuration
/// (issuer and RSA key), so no network is needed; everything else is the service's own setup.
/// </summary>
public sealed class OpenIdConnectModeTests
{
    private const string Authority = "https://idp.hospital.example/realms/main";
    private const string Audience = "crsmonitor";
    private RSA rsa = null!;
    private RsaSecurityKey providerKey = null!;
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        rsa = RSA.Create(2048);
        providerKey = new RsaSecurityKey(rsa) { KeyId = "idp-key-1" };
        var metadata = new OpenIdConnectConfiguration
        {
            Issuer = Authority,
            TokenEndpoint = $"{Authority}/protocol/openid-connect/token",
            AuthorizationEndpoint = $"{Authority}/protocol/openid-connect/auth",
        };
        metadata.SigningKeys.Add(providerKey);
        host = new ServiceHost(
            new Dictionary<string, string?>
            {
                ["Identity:Authority"] = Authority,
                ["Identity:Audience"] = Audience,
                ["Identity:RoleClaim"] = "roles",
                ["Identity:UnitClaim"] = "wards",
            },
            services => services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
                o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(metadata)));
    }

    [OneTimeTearDown]
    public void StopHost()
    {
        host.Dispose();
        rsa.Dispose();
    }

    [Test]
    public async Task DevelopmentKeyToken_Is401_UnderOpenIdConnect()
    {
        using var devData = new TempDirectory();
        var key = DevSigningKey.LoadOrCreate(new DataDirectory(devData.Path), host.Time);
        var token = DevTokenIssuer.Issue(key, new IdentitySettings(), host.Time, Roles.Physician, ["7W"], "dev-physician", TimeSpan.FromHours(1));
        using var client = host.ClientWith(token);
        using var response = await client.GetAsync("/api/me");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ProviderToken_UsesTheConfiguredRoleAndUnitClaims()
    {
        using var client = host.ClientWith(ProviderToken(Audience, new() { ["sub"] = "u-123", ["roles"] = new[] { "physician" }, ["wards"] = new[] { "7W", "ICU" } }));
        var me = await client.GetFromJsonAsync<JsonObject>("/api/me");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(me!["subject"]!.GetValue<string>(), Is.EqualTo("u-123"));
            Assert.That(me["roles"]!.AsArray().Select(r => r!.GetValue<string>()), Is.EqualTo(new[] { "physician" }));
            Assert.That(me["units"]!.AsArray().Select(u => u!.GetValue<string>()), Is.EqualTo(new[] { "7W", "ICU" }));
        }

        using var evaluate = await client.PostAsync("/api/grading/evaluate", ServiceHost.Json("""{"crs":{"temperature":{"value":37,"unit":"Cel"}}}"""));
        Assert.That(evaluate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task ProviderToken_ForAnotherAudience_Is401()
    {
        using var client = host.ClientWith(ProviderToken("some-other-app", new() { ["sub"] = "u-1", ["roles"] = "nurse" }));
        using var response = await client.GetAsync("/api/me");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task ProviderIntegrationToken_Evaluate_Is403()
    {
        using var client = host.ClientWith(ProviderToken(Audience, new() { ["sub"] = "ehr", ["roles"] = "integration" }, TimeSpan.FromMinutes(5)));
        using var response = await client.PostAsync("/api/grading/evaluate", ServiceHost.Json("""{"crs":{}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task ProviderIntegrationToken_LivingLongerThanFiveMinutes_Is401_SayingWhy()
    {
        using var client = host.ClientWith(ProviderToken(Audience, new() { ["sub"] = "ehr", ["roles"] = new[] { "integration" } }, TimeSpan.FromMinutes(30)));
        using var response = await client.GetAsync("/api/me");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter,
            Does.Contain("error=\"invalid_token\"").And.Contain("An integration token may live at most 5 minutes (exp - iat); this one lives 30 minutes."));
    }

    [Test]
    public async Task Ready_UnderOpenIdConnect_DoesNotNeedADevelopmentKey()
    {
        using var client = host.ClientWith(null);
        using var response = await client.GetAsync("/health/ready");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(File.Exists(Path.Combine(host.Data.Path, DevSigningKey.FileName)), Is.False);
    }

    [Test]
    public async Task SignInMethod_IsAnonymous_AndNamesTheProvider()
    {
        using var client = host.ClientWith(null);
        var method = await client.GetFromJsonAsync<JsonObject>("/api/sign-in");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(method!["mode"]!.GetValue<string>(), Is.EqualTo("openid-connect"));
            Assert.That(method["authority"]!.GetValue<string>(), Is.EqualTo(Authority));
            Assert.That(method["clientId"], Is.Null, "not configured here: the dashboard says IT must set Identity:ClientId");
            Assert.That(method["scope"]!.GetValue<string>(), Is.EqualTo("openid profile"));
        }
    }

    [Test]
    public async Task FhirMetadata_IsSmartAndOAuth_NamingTheProvidersTokenEndpoint()
    {
        using var client = host.ClientWith(null);
        var (resource, error) = FhirJson.Parse(await client.GetByteArrayAsync("/fhir/metadata"), "CapabilityStatement");
        Assert.That(error, Is.Null);
        var security = ((CapabilityStatement)resource!).Rest.Single().Security!;
        var uris = security.Extension.Single(e => e.Url == CapabilitySecurity.OAuthUrisExtension);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(security.Service.SelectMany(s => s.Coding).Select(c => c.Code), Is.EquivalentTo(new[] { "SMART-on-FHIR", "OAuth" }));
            Assert.That(uris.GetExtensionValue<FhirUri>("token").Value, Is.EqualTo($"{Authority}/protocol/openid-connect/token"));
            Assert.That(uris.GetExtensionValue<FhirUri>("authorize").Value, Is.EqualTo($"{Authority}/protocol/openid-connect/auth"));
            Assert.That(security.Description, Does.Contain(Authority).And.Contain(Audience).And.Not.Contain("`token` verb"));
        }
    }

    private string ProviderToken(string audience, Dictionary<string, object> claims, TimeSpan? lifetime = null)
    {
        var now = host.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(30)),
            Claims = claims,
            SigningCredentials = new SigningCredentials(providerKey, SecurityAlgorithms.RsaSha256),
        });
    }
}
