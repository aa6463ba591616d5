using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// The site view (issue 16) in Chromium against the real service: two tarlatamab courses posted through FHIR (C1D1 as a
/// MedicationAdministration 5 and 4 days ago, fevers 14 h and 20 h after the infusion start, an ICE of 7 now), drawn as
/// the cumulative incidence of CRS and ICANS after step-up dose 1 with the label's median onset band "13-16 h". A
/// physician reaches it from the navigation beside the ward; a researcher, whose token has no unit, sees it and
/// nothing else: no census, no patient, no alert hub. A nurse has no link to it and is refused.
/// </summary>
[TestFixture]
public sealed class SiteViewTests : BrowserTest
{
    private const string Unit = "7W";
    private readonly string[] patients = [NewPatientId(), NewPatientId()];

    protected override async Task ServiceStartedAsync(ServiceProcess started)
    {
        ArgumentNullException.ThrowIfNull(started);
        var now = DateTimeOffset.UtcNow;
        var (first, second) = (patients[0], patients[1]);
        foreach (var patient in patients)
        {
            await Fhir.AdmitAsync(started, patient, Unit);
        }

        var start1 = now.AddHours(-120);
        await PostTarlatamabAsync(started, first, start1);
        await Fhir.PostTemperatureAsync(started, first, 36.8m, start1.AddHours(6));
        await Fhir.PostTemperatureAsync(started, first, 38.6m, start1.AddHours(14));

        var start2 = now.AddHours(-96);
        await PostTarlatamabAsync(started, second, start2);
        await Fhir.PostTemperatureAsync(started, second, 38.3m, start2.AddHours(20));
        await Fhir.PostNeuroCheckAsync(started, second, ice: 7);
    }

    /// <summary>A 1-hour tarlatamab infusion from <paramref name="start"/> (the EHR's eMAR, integration token).</summary>
    private static async Task PostTarlatamabAsync(ServiceProcess service, string patient, DateTimeOffset start)
    {
        static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var json = $$$"""
            {"resourceType":"MedicationAdministration","status":"completed",
             "medicationCodeableConcept":{"coding":[{"system":"https://crsmonitor.org/fhir/CodeSystem/medication","code":"tarlatamab"}]},
             "subject":{"reference":"Patient/{{{patient}}}"},
             "effectivePeriod":{"start":"{{{Iso(start)}}}","end":"{{{Iso(start.AddHours(1))}}}"}}
            """;
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await service.TokenAsync("integration"));
        using var body = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        using var response = await client.PostAsync(new Uri("fhir/MedicationAdministration", UriKind.Relative), body);
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), await response.Content.ReadAsStringAsync());
    }

    /// <summary>The step-up dose 1 chart of tarlatamab: n, the CRS and ICANS curves, the label band, the counts.</summary>
    private static async Task ExpectTarlatamabCurvesAsync(IPage page)
    {
        var chart = page.Locator("[data-testid=incidence-chart][data-drug=tarlatamab][data-step-up-index='1']");
        await Expect(chart).ToBeVisibleAsync();
        await Expect(chart.Locator("h3")).ToHaveTextAsync("tarlatamab: step-up dose 1 (C1 D1, 1 mg)");
        await Expect(chart).ToHaveAttributeAsync("data-n", "2");
        await Expect(chart.GetByTestId("dose-n")).ToHaveTextAsync("n = 2 doses at risk");

        var band = chart.Locator("[data-testid=label-onset][data-scale=crs]");
        await Expect(band).ToHaveAttributeAsync("data-from-hours", "13");
        await Expect(band).ToHaveAttributeAsync("data-to-hours", "16");
        await Expect(band.Locator("text.onset-label")).ToHaveTextAsync("label median onset 13-16 h");
        await Expect(band.Locator("rect.onset-band")).ToBeVisibleAsync();
        await Expect(chart.Locator("[data-testid=label-onset][data-scale=icans]")).ToHaveCountAsync(0); // the label gives no ICANS median

        // CRS 14 h and 20 h after the start: both doses, 100 % by 20 h. ICANS: one of two (the ICE of 7 about 96 h after).
        var crs = chart.Locator("[data-testid=curve][data-scale=crs]");
        await Expect(crs).ToHaveAttributeAsync("data-events", "2");
        await Expect(crs).ToHaveAttributeAsync("data-final-incidence", "1");
        await Expect(crs).ToHaveAttributeAsync("d", new Regex("^M52,256 H.*V28"));
        var icans = chart.Locator("[data-testid=curve][data-scale=icans]");
        await Expect(icans).ToHaveAttributeAsync("data-events", "1");
        await Expect(icans).ToHaveAttributeAsync("data-final-incidence", "0.5");
        await Expect(chart.Locator("[data-testid=scale-counts][data-scale=crs]")).ToHaveTextAsync("CRS: 2 events, 0 censored, observed median onset 17 h");
        await Expect(chart.Locator("[data-testid=scale-counts][data-scale=icans]")).ToHaveTextAsync(new Regex(@"^ICANS: 1 event, 1 censored, observed median onset 96(\.\d+)? h$"));
        await Expect(chart.Locator("svg.incidence-chart")).ToHaveAttributeAsync("role", "img");
    }

    [Test]
    public async Task APhysician_OpensTheSiteViewBesideTheWard_AndSeesTheCurvesWithTheLabelBand()
    {
        var physician = await OpenUserAsync("physician-7W");
        var watched = Watched.Of(physician);
        var (page, _) = await physician.SignInAsync(await Service.TokenAsync("physician", Unit));
        await Expect(page.Locator("#nav a", new() { HasText = $"Unit {Unit}" })).ToBeVisibleAsync();
        await page.GetByTestId("site-view-link").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("#/site$"));
        await Expect(page.GetByTestId("site-view-link")).ToHaveAttributeAsync("aria-current", "page");
        await ExpectTarlatamabCurvesAsync(page);

        // Drugs given at the site come first; the others show their step-up doses without a curve.
        await Expect(page.GetByTestId("site-drug").First).ToHaveAttributeAsync("data-drug", "tarlatamab");
        await Expect(page.Locator("[data-testid=incidence-chart][data-drug=teclistamab]")).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-testid=incidence-chart][data-drug=teclistamab] svg")).ToHaveCountAsync(0);
        await Artifacts.ScreenshotAsync(page, "site-view-physician");

        // The ward is still one click away.
        await page.Locator("#nav a", new() { HasText = $"Unit {Unit}" }).ClickAsync();
        await Expect(page.GetByTestId("census")).ToBeVisibleAsync();
        Assert.That(watched.Console, Has.None.Contain("Content Security Policy"), "the charts need no inline style or script");
        Assert.That(physician.PageErrors, Is.Empty, "uncaught script errors");
    }

    [Test]
    public async Task AResearcher_SeesTheSiteViewAndNothingElse_NoCensusNoPatientNoHub()
    {
        var researcher = await OpenUserAsync("researcher");
        var watched = Watched.Of(researcher);
        var (page, _) = await researcher.SignInAsync(await Service.TokenAsync("researcher"));
        await Expect(page).ToHaveURLAsync(new Regex("#/site$"));
        await ExpectTarlatamabCurvesAsync(page);
        await Expect(page.Locator("#nav a")).ToHaveCountAsync(1);
        await Expect(page.Locator("#nav a")).ToHaveTextAsync("Site view");
        await Artifacts.ScreenshotAsync(page, "site-view-researcher");

        // Another page is not for this token: the dashboard goes back to the site view without asking for a census.
        await page.EvaluateAsync($"() => {{ location.hash = '#/unit/{Unit}'; }}");
        await Expect(page).ToHaveURLAsync(new Regex("#/site$"));
        await ExpectTarlatamabCurvesAsync(page);

        await Expect(page.GetByTestId("census")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("census-row")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("alert-feed")).ToHaveCountAsync(0);
        var text = await page.Locator("body").InnerTextAsync();
        foreach (var patient in patients)
        {
            Assert.That(text, Does.Not.Contain(patient), "no patient id on the page");
        }

        Assert.That(text, Does.Not.Contain("Browser"), "no patient name on the page");
        var api = watched.Requests.Select(u => new Uri(u).AbsolutePath).Where(p => p.StartsWith("/api/", StringComparison.Ordinal) || p.StartsWith("/hubs/", StringComparison.Ordinal) || p.StartsWith("/fhir", StringComparison.Ordinal)).ToList();
        Assert.That(api, Is.Not.Empty.And.All.Matches<string>(p => p is "/api/sign-in" or "/api/me" or "/api/research/incidence"), string.Join(", ", api));
        Assert.That(api, Does.Contain("/api/research/incidence"));
        Assert.That(watched.Sockets, Is.Empty, "a researcher's page never opens the alert hub");
        Assert.That(watched.Console, Has.None.Contain("Content Security Policy"), "the charts need no inline style or script");
        await Expect(page.GetByTestId("connection-banner")).ToBeHiddenAsync();
        Assert.That(researcher.PageErrors, Is.Empty, "uncaught script errors");
    }

    /// <summary>
    /// The researcher's "Research data" panel (issue 16): the episode CSV and its dictionary download as files, and a
    /// FHIR Bulk export runs from the page (kick-off, polling, one button per NDJSON file); nothing downloaded names a
    /// patient.
    /// </summary>
    [Test]
    public async Task AResearcher_DownloadsTheEpisodeCsvItsDictionaryAndABulkExport_FromTheSiteView_AllDeidentified()
    {
        var researcher = await OpenUserAsync("researcher-downloads");
        var (page, _) = await researcher.SignInAsync(await Service.TokenAsync("researcher"));
        var panel = page.GetByTestId("research-downloads");
        await Expect(panel).ToContainTextAsync("De-identified");

        async Task<string> DownloadAsync(ILocator button)
        {
            var download = await page.RunAndWaitForDownloadAsync(() => button.ClickAsync());
            var path = await download.PathAsync();
            return await File.ReadAllTextAsync(path!);
        }

        var csv = await DownloadAsync(panel.GetByTestId("download-episodes"));
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.That(rows[0], Does.StartWith("patient_pseudonym,episode_id,toxicity,max_grade"));
        Assert.That(rows.Skip(1).Count(r => r.Contains(",crs,", StringComparison.Ordinal)), Is.EqualTo(2), "one CRS episode per course");
        var dictionary = await DownloadAsync(panel.GetByTestId("download-dictionary"));
        Assert.That(dictionary, Does.StartWith("column,description,format,cibmtr_question").And.Contain("Date of diagnosis"));

        await panel.GetByTestId("bulk-start").ClickAsync();
        var adverseEvents = panel.GetByTestId("bulk-file-AdverseEvent");
        await Expect(adverseEvents).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(panel.GetByTestId("bulk-status")).ToContainTextAsync("Export ready");
        var ndjson = await DownloadAsync(adverseEvents);
        var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3), "CRS of both courses and the ICANS of the second");
        Assert.That(lines, Has.All.Contains("\"resourceType\":\"AdverseEvent\"").And.All.Contains("Patient/rp-"));
        foreach (var text in new[] { csv, ndjson })
        {
            foreach (var patient in patients)
            {
                Assert.That(text, Does.Not.Contain(patient), "no patient id in a download");
            }
        }

        await Artifacts.ScreenshotAsync(page, "site-view-research-downloads");
        Assert.That(researcher.PageErrors, Is.Empty, "uncaught script errors");
    }

    [Test]
    public async Task ANurse_HasNoLinkToTheSiteView_AndIsRefusedItByTheService()
    {
        var nurse = await OpenUserAsync("nurse-7W");
        var (page, _) = await nurse.SignInAsync(await Service.TokenAsync("nurse", Unit));
        await Expect(page.GetByTestId("census")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("site-view-link")).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => { location.hash = '#/site'; }");
        await Expect(page.GetByTestId("site-error")).ToContainTextAsync("not allowed");
        await Expect(page.GetByTestId("incidence-chart")).ToHaveCountAsync(0);
        Assert.That(nurse.PageErrors, Is.Empty, "uncaught script errors");
    }

    /// <summary>What a user's tabs asked for (every request's address, every WebSocket) and wrote to the console.</summary>
    private sealed class Watched
    {
        public ConcurrentQueue<string> Requests { get; } = new();

        public ConcurrentQueue<string> Sockets { get; } = new();

        public ConcurrentQueue<string> Console { get; } = new();

        /// <summary>Watches every tab the user opens from now on (call before signing in).</summary>
        public static Watched Of(DashboardUser user)
        {
            var watched = new Watched();
            user.Context.Page += (_, opened) =>
            {
                opened.Request += (_, request) => watched.Requests.Enqueue(request.Url);
                opened.WebSocket += (_, socket) => watched.Sockets.Enqueue(socket.Url);
                opened.Console += (_, message) => watched.Console.Enqueue(message.Text);
            };
            return watched;
        }
    }
}
