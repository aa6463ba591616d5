using System.Diagnostics;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Alerts follow the patient (issue 11 item 3) on the dashboard, in Chromium against the real service: a patient with
/// an open ICANS grade 2 alert is transferred 7W → 5E; the alert leaves the open 7W census feed and appears on the open
/// 5E census feed within 2 s, both without a reload (the hub's alertMoved, handled by alerts.js).
/// </summary>
[TestFixture]
public sealed class AlertFollowsPatientTests : BrowserTest
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HubTimeout = TimeSpan.FromSeconds(15);

    [Test]
    public async Task TransferFrom7WTo5E_TheOpenAlertLeavesThe7WFeed_AndAppearsOnThe5EFeed_Within2s_WithoutReload()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, "7W");
        await Fhir.AdmitAsync(Service, NewPatientId(), "5E"); // 5E exists and has a census of its own
        await Fhir.PostNeuroCheckAsync(Service, patient, ice: 5);

        var westNurse = await OpenUserAsync("nurse-7W");
        var (west, westHub) = await westNurse.SignInAsync(await Service.TokenAsync("nurse", "7W"));
        var eastNurse = await OpenUserAsync("nurse-5E");
        var (east, eastHub) = await eastNurse.SignInAsync(await Service.TokenAsync("nurse", "5E"));
        var onWest = AlertCards(west, patient, within: "alert-feed");
        var onEast = AlertCards(east, patient, within: "alert-feed");
        await Expect(onWest).ToBeVisibleAsync();
        await Expect(onWest).ToHaveAttributeAsync("data-grade", "2");
        await Expect(onEast).ToHaveCountAsync(0);
        await westHub.WaitForResumeAsync(1, HubTimeout);
        await eastHub.WaitForResumeAsync(1, HubTimeout);
        foreach (var page in new[] { west, east })
        {
            await page.EvaluateAsync("() => { window.__browserTestMarker = 'no reload since sign-in'; }");
        }

        await Fhir.AdmitAsync(Service, patient, "5E"); // the same Encounter, now at 5E
        var sinceTransfer = Stopwatch.StartNew();
        try
        {
            await Expect(onEast).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
            await LogTimingAsync("transfer committed -> alert on the 5E feed", sinceTransfer);
            await Expect(onWest).ToHaveCountAsync(0, new() { Timeout = (float)Live.TotalMilliseconds });
            await LogTimingAsync("transfer committed -> alert off the 7W feed", sinceTransfer);
        }
        finally
        {
            await Artifacts.ScreenshotAsync(east, "nurse-5E-after-transfer");
            await Artifacts.ScreenshotAsync(west, "nurse-7W-after-transfer");
        }

        await Expect(onEast).ToHaveAttributeAsync("data-grade", "2");
        await Expect(onEast).ToHaveAttributeAsync("data-state", "raised");
        await Expect(onEast).ToHaveAttributeAsync("data-tier", "0");
        await Expect(onEast.Locator("details.basis")).ToHaveCountAsync(1); // with its basis
        foreach (var page in new[] { west, east })
        {
            Assert.That(await page.EvaluateAsync<string?>("() => window.__browserTestMarker ?? null"), Is.EqualTo("no reload since sign-in"));
        }

        Assert.That(westNurse.PageErrors.Concat(eastNurse.PageErrors), Is.Empty, "uncaught script errors");
    }
}
