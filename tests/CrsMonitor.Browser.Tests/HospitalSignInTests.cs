using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Production sign-in: the service in OpenID Connect mode (Identity:Authority, Audience, ClientId) against a hospital
/// provider on loopback; the dashboard's "Sign in with your hospital account" goes through the provider's page and
/// back (authorization code with PKCE), and the nurse's dashboard works on the provider's token, hub included.
/// </summary>
public sealed partial class HospitalSignInTests : BrowserTest
{
    private HospitalIdentityProvider? provider;

    private HospitalIdentityProvider Provider => provider ?? throw new InvalidOperationException("the provider is not started");

    protected override async Task<IReadOnlyList<string>> ServiceSettingsAsync()
    {
        provider = await HospitalIdentityProvider.StartAsync();
        return
        [
            $"--Identity:Authority={provider.Issuer}",
            $"--Identity:Audience={HospitalIdentityProvider.Audience}",
            $"--Identity:ClientId={HospitalIdentityProvider.ClientId}",
        ];
    }

    protected override Task ServiceStartedAsync(ServiceProcess started)
    {
        Provider.RegisterDashboard(started.BaseAddress);
        Provider.AddAccount("nurse.ward7w", "nurse", "7W");
        Provider.AddAccount("integration.ehr", "integration");
        // The EHR interface's client gets its tokens from the provider too (the token verb refuses to run in this mode).
        started.Tokens = (role, units) => Task.FromResult(Provider.Issue($"test-{role}", role, units, TimeSpan.FromMinutes(5)));
        return Task.CompletedTask;
    }

    [OneTimeTearDown]
    public async Task StopProviderAsync()
    {
        if (provider is not null)
        {
            await provider.DisposeAsync();
        }
    }

    [Test]
    public async Task NurseSignsInAtTheHospitalProvider_SeesHerUnitLive_AndTheCodeLeavesTheAddressBar()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, "7W");
        var nurse = await OpenUserAsync("oidc-nurse-7W");
        var page = await nurse.Context.NewPageAsync();
        var hub = new HubWatcher(page);
        await page.GotoAsync("/#/unit/7W");

        // No development token box in this mode: one button to the hospital's sign-in.
        await Expect(page.GetByTestId("token-input")).ToHaveCountAsync(0);
        await page.GetByTestId("hospital-sign-in").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(Provider.Issuer)}/protocol/openid-connect/auth\\?"));
        await Artifacts.ScreenshotAsync(page, "hospital-provider-sign-in-page");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as nurse.ward7w" }).ClickAsync();

        await Expect(page.GetByTestId("sign-out")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("sign-in-error")).ToHaveCountAsync(0);
        await Expect(page.Locator("#user")).ToContainTextAsync("nurse.ward7w");
        await Expect(CensusRow(page, patient)).ToBeVisibleAsync();
        await hub.WaitForResumeAsync(1, TimeSpan.FromSeconds(15));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.Url, Does.Not.Contain("code=").And.Not.Contain("state="), "code and state are removed from the address bar");
            Assert.That(page.Url, Does.EndWith("#/unit/7W"), "back where the nurse started");
            Assert.That(Provider.Exchanged, Is.EqualTo(1));
            Assert.That(Provider.Refused, Is.Empty, "the dashboard's token request was right (client, redirect URI, PKCE verifier)");
        }

        // Live on the provider's token: a neuro check with ICE 5 raises the ICANS alert on her page.
        await Fhir.PostNeuroCheckAsync(Service, patient, ice: 5);
        await Expect(AlertCards(page, patient)).ToHaveCountAsync(1);
        await Artifacts.ScreenshotAsync(page, "hospital-sign-in-census");
    }

    [Test]
    public async Task AnswerNotStartedInThisTab_IsRefusedWithAMessage_AndNoTokenIsRequested()
    {
        var exchangedBefore = Provider.Exchanged;
        var user = await OpenUserAsync("oidc-forged");
        var page = await user.Context.NewPageAsync();
        await page.GotoAsync("/?code=forged-code&state=not-ours");
        await Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("state mismatch");
        await Expect(page.GetByTestId("hospital-sign-in")).ToBeEnabledAsync();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.Url, Does.Not.Contain("code="));
            Assert.That(Provider.Exchanged, Is.EqualTo(exchangedBefore));
        }
    }

    [Test]
    public async Task ProviderAnswersWithAnError_TheNurseSeesIt()
    {
        var user = await OpenUserAsync("oidc-denied");
        var page = await user.Context.NewPageAsync();
        await page.GotoAsync("/?error=access_denied&error_description=The+account+is+locked&state=x");
        await Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("\"access_denied\": The account is locked");
    }
}
