using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// The connection banner and replay: the service process is stopped under an open census page ("connection lost,
/// data as of hh:mm"), an alert is raised while the page cannot reach the service, and when the service is back on its
/// address the banner goes and the alert is on the page without a reload.
/// </summary>
[TestFixture]
public sealed partial class ConnectionBannerTests : BrowserTest
{
    private static readonly TimeSpan HubTimeout = TimeSpan.FromSeconds(15);

    /// <summary>hub.js retries every 10 s at most once its quick retries are spent; allow two rounds and start-up.</summary>
    private static readonly TimeSpan ReconnectTimeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task ServiceStopped_BannerSaysConnectionLostWithDataTime_AlertRaisedMeanwhileShowsAfterReconnect()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, "7W");
        var nurseToken = await Service.TokenAsync("nurse", "7W");
        var nurse = await OpenUserAsync("nurse-7W");
        var loadedAt = DateTimeOffset.UtcNow;
        var (page, hub) = await nurse.SignInAsync(nurseToken);
        var row = CensusRow(page, patient);
        await Expect(row).ToBeVisibleAsync();
        await hub.WaitForResumeAsync(1, HubTimeout);
        var banner = page.GetByTestId("connection-banner");
        await Expect(banner).ToBeHiddenAsync();
        await page.EvaluateAsync("() => { window.__browserTestMarker = 'no reload since sign-in'; }");

        // The service goes down: the banner says so, with the time of the last data; the census stays on screen.
        var port = Service.BaseAddress.Port;
        var sinceStop = Stopwatch.StartNew();
        var stopping = Service.StopAsync();
        await Expect(banner).ToBeVisibleAsync();
        var bannerAt = DateTimeOffset.UtcNow;
        await LogTimingAsync("SIGTERM -> banner visible", sinceStop);
        await stopping;
        await Expect(banner).ToHaveTextAsync(BannerText());
        var shown = BannerText().Match(await banner.InnerTextAsync()).Groups["time"].Value;
        Assert.That(MinutesBetween(loadedAt, bannerAt), Does.Contain(shown), "the banner's time is when data last came (local time = UTC here)");
        await Expect(row).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "connection-lost-banner");

        // Meanwhile the EHR's neuro check (ICE 5) is accepted by the service, started on an address this page does not
        // use (its own address stays unreachable), which raises the ICANS grade 2 alert; then that run stops too.
        await Service.StartOnAsync(ServiceProcess.FreeLoopbackPort());
        await Fhir.PostNeuroCheckAsync(Service, patient, ice: 5);
        var alerts = await Fhir.GetAsync(Service, nurseToken, "/api/units/7W/alerts");
        Assert.That(alerts, Does.Contain(patient).And.Contain("\"icans\""), "precondition: the ICANS alert exists while the page is disconnected");
        await Service.StopAsync();
        await Expect(banner).ToBeVisibleAsync();
        await Expect(AlertCards(page, patient, condition: null)).ToHaveCountAsync(0);
        await Expect(row.GetByTestId("icans-badge")).ToHaveAttributeAsync("data-grade", "not-gradable"); // as of before the stop

        // The service is back on the page's address: the page reconnects by itself, the banner goes, and what it
        // missed is on screen (alert in the feed, census row at ICANS 2).
        await Service.StartOnAsync(port);
        var sinceRestart = Stopwatch.StartNew();
        await Expect(banner).ToBeHiddenAsync(new() { Timeout = (float)ReconnectTimeout.TotalMilliseconds });
        await LogTimingAsync("service ready again -> banner hidden", sinceRestart);
        var replayed = AlertCards(page, patient, within: "alert-feed");
        await Expect(replayed).ToBeVisibleAsync();
        await LogTimingAsync("service ready again -> missed alert shown", sinceRestart);
        await Expect(replayed).ToHaveAttributeAsync("data-condition", "icans");
        await Expect(replayed).ToHaveAttributeAsync("data-grade", "2");
        await Expect(replayed).ToHaveAttributeAsync("data-state", "raised");
        await Expect(row.GetByTestId("icans-badge")).ToHaveAttributeAsync("data-grade", "2");
        await hub.WaitForResumeAsync(2, HubTimeout);
        // The server names the hub method AlertRaised (the JavaScript client matches names case-insensitively).
        Assert.That(hub.Received.Any(f => f.Contains("\"AlertRaised\"", StringComparison.OrdinalIgnoreCase) && f.Contains(patient, StringComparison.Ordinal)), Is.True,
            $"the hub replayed the missed alert (Resume by seq) after the reconnect; frames received:\n{string.Join('\n', hub.Received)}");
        Assert.That(await page.EvaluateAsync<string?>("() => window.__browserTestMarker ?? null"), Is.EqualTo("no reload since sign-in"));
        await Artifacts.ScreenshotAsync(page, "reconnected-alert-replayed");
    }

    /// <summary>Every "HH:mm" (UTC) from <paramref name="from"/> to <paramref name="to"/>, by minute.</summary>
    private static List<string> MinutesBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var minutes = new List<string>();
        for (var m = new DateTime(from.UtcDateTime.Ticks - (from.UtcDateTime.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc); m <= to.UtcDateTime; m = m.AddMinutes(1))
        {
            minutes.Add(m.ToString("HH:mm", CultureInfo.InvariantCulture));
        }

        return minutes;
    }

    [GeneratedRegex(@"^Connection lost, data as of (?<time>\d{2}:\d{2})\. Reconnecting…$")]
    private static partial Regex BannerText();
}
