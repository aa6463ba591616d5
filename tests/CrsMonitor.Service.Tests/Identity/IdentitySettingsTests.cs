using CrsMonitor.Service.Hosting;
using CrsMonitor.Service.Identity;

namespace CrsMonitor.Service.Tests.Identity;

public sealed class IdentitySettingsTests
{
    [TestCase("https://idp.hospital.example", true)]
    [TestCase("http://localhost:8080/realms/test", false)]
    [TestCase("http://127.0.0.1:8080", false)]
    [TestCase("http://[::1]:8080", false)]
    public void RequireHttpsMetadata_IsOffOnlyForLoopbackHttp(string authority, bool required) =>
        Assert.That(new IdentitySettings { Authority = authority, Audience = "a" }.RequireHttpsMetadata, Is.EqualTo(required));

    [TestCase("https://idp.hospital.example", null, "Identity:Audience")]
    [TestCase(null, "crsmonitor", "Identity:Authority")]
    [TestCase("http://idp.hospital.example", "crsmonitor", "must use https")]
    [TestCase("idp.hospital.example", "crsmonitor", "absolute https URL")]
    public void Problems_NameTheSetting(string? authority, string? audience, string expected) =>
        Assert.That(new IdentitySettings { Authority = authority, Audience = audience }.Problems(), Has.Some.Contain(expected));

    [Test]
    public void Problems_NoneForDevelopmentDefaults() => Assert.That(new IdentitySettings().Problems(), Is.Empty);

    [Test]
    public void Problems_ClientIdWithoutAuthority_IsNamed() =>
        Assert.That(new IdentitySettings { ClientId = "dashboard" }.Problems(), Has.One.Contain("Identity:ClientId"));

    [Test]
    public void Problems_ScopeWithoutOpenId_IsNamed() =>
        Assert.That(
            new IdentitySettings { Authority = "https://idp.hospital.example", Audience = "crsmonitor", Scope = "profile api" }.Problems(),
            Has.One.Contain("Identity:Scope").And.Contain("openid"));

    [Test]
    public void DashboardPolicy_AllowsConnectionsToTheProviderOnlyInOpenIdConnectMode()
    {
        var development = DashboardFiles.Policy(new IdentitySettings());
        var hospital = DashboardFiles.Policy(new IdentitySettings { Authority = "https://idp.hospital.example/realms/clinical", Audience = "crsmonitor" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(development, Does.Contain("connect-src 'self';").And.Contain("script-src 'self';"));
            Assert.That(hospital, Does.Contain("connect-src 'self' https://idp.hospital.example;").And.Contain("script-src 'self';"));
        }
    }
}
