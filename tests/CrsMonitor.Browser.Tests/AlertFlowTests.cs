using System.Diagnostics;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// The scenario in Chromium against the real service: a 7W nurse's bedside neuro check with ICE 5 raises an
/// ICANS grade 2 alert that the 7W physician sees within 2 s and acknowledges; the nurse's census shows the
/// acknowledgement and the new grade live (no reload); a 5E nurse sees nothing of it.
/// </summary>
[TestFixture]
public sealed class AlertFlowTests : BrowserTest
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HubTimeout = TimeSpan.FromSeconds(15);

    [Test]
    public async Task NeuroCheckWithIce5_Icans2AlertReachesThePhysicianWithin2s_AcknowledgementAndGradeReachTheNursesCensusLive()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, "7W");
        var nurseToken = await Service.TokenAsync("nurse", "7W");
        var physicianToken = await Service.TokenAsync("physician", "7W");

        // The nurse: the station PC on the unit census, and a bedside tablet (a second tab, signed in on its own).
        var nurse = await OpenUserAsync("nurse-7W");
        var (station, stationHub) = await nurse.SignInAsync(nurseToken);
        await Expect(station).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/unit/7W$"));
        var row = CensusRow(station, patient);
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.GetByTestId("icans-badge")).ToHaveAttributeAsync("data-grade", "not-gradable"); // no neuro check yet
        await Expect(AlertCards(station, patient, condition: null)).ToHaveCountAsync(0);
        await station.EvaluateAsync("() => { window.__browserTestMarker = 'no reload since sign-in'; }");

        // The physician: the escalations view (a physician's home page).
        var physician = await OpenUserAsync("physician-7W");
        var (desk, deskHub) = await physician.SignInAsync(physicianToken);
        await Expect(desk).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/escalations$"));
        await Expect(desk.GetByTestId("not-escalated")).ToBeVisibleAsync();
        await Expect(AlertCards(desk, patient, condition: null)).ToHaveCountAsync(0);

        // Both pages are connected to the hub (Resume answered) before the check is submitted: what follows is live.
        await stationHub.WaitForResumeAsync(1, HubTimeout);
        await deskHub.WaitForResumeAsync(1, HubTimeout);
        await Artifacts.ScreenshotAsync(station, "nurse-census-before");
        await Artifacts.ScreenshotAsync(desk, "physician-escalations-before");

        // Bedside: the nurse opens the neuro check from the census row and answers to ICE 5 (4 + naming 1), alert.
        var (bedside, _) = await nurse.SignInAsync(nurseToken);
        await CensusRow(bedside, patient).GetByTestId("neuro-link").ClickAsync();
        await Expect(bedside).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"#/patient/{patient}/neuro$"));
        await AnswerIce5Async(bedside);
        var iceTotal = bedside.GetByTestId("ice-total");
        await Expect(iceTotal).ToHaveTextAsync("5");
        await Expect(iceTotal).ToHaveAttributeAsync("data-complete", "true");
        await Expect(bedside.GetByTestId("icans-grade")).ToHaveAttributeAsync("data-grade", "2");
        await Artifacts.ScreenshotAsync(bedside, "nurse-neuro-check-ice5-before-submit");

        // Submit; the physician's page must show the ICANS grade 2 alert within 2 s.
        var sinceSubmit = Stopwatch.StartNew();
        await bedside.GetByTestId("submit").ClickAsync();
        var onDesk = AlertCards(desk, patient);
        await Expect(onDesk).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
        var alertLatency = sinceSubmit.Elapsed;
        await LogTimingAsync("submit -> ICANS alert visible on the physician's escalations page", sinceSubmit);
        await Expect(onDesk).ToHaveAttributeAsync("data-grade", "2");
        await Expect(onDesk).ToHaveAttributeAsync("data-state", "raised");

        // The same push reaches the nurse's census: the alert in the live feed, the row's ICANS badge at 2.
        var inFeed = AlertCards(station, patient, within: "alert-feed");
        await Expect(inFeed).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(inFeed).ToHaveAttributeAsync("data-grade", "2");
        await LogTimingAsync("submit -> alert in the nurse's census feed", sinceSubmit);
        await Expect(row.GetByTestId("icans-badge")).ToHaveAttributeAsync("data-grade", "2", new() { Timeout = (float)Live.TotalMilliseconds });
        await LogTimingAsync("submit -> census row ICANS badge at 2", sinceSubmit);
        await Expect(bedside.GetByTestId("submit-result")).ToContainTextAsync("ICE 5/10, ICANS grade 2");
        Assert.That(alertLatency, Is.LessThanOrEqualTo(Live), "ICANS alert on the physician's page, measured from the click on Submit");

        await Artifacts.ScreenshotAsync(bedside, "nurse-neuro-check-submitted");
        await Artifacts.ScreenshotAsync(desk, "physician-icans2-alert");
        await Artifacts.ScreenshotAsync(station, "nurse-census-icans2-alert");

        // The physician acknowledges; the nurse's census shows it acknowledged within 2 s.
        var sinceAck = Stopwatch.StartNew();
        await onDesk.GetByTestId("ack").ClickAsync();
        await Expect(inFeed).ToHaveAttributeAsync("data-state", "acknowledged", new() { Timeout = (float)Live.TotalMilliseconds });
        var ackLatency = sinceAck.Elapsed;
        await LogTimingAsync("acknowledge -> acknowledged on the nurse's census", sinceAck);
        await Expect(onDesk).ToHaveAttributeAsync("data-state", "acknowledged");
        await Expect(inFeed).ToContainTextAsync("acknowledged");
        await Expect(row.GetByTestId("patient-alert").Filter(new() { HasText = "ICANS grade 2" })).ToContainTextAsync("(ack.)");
        Assert.That(ackLatency, Is.LessThanOrEqualTo(Live), "acknowledgement on the nurse's page, measured from the click on Acknowledge");

        // All of it arrived without a reload of the nurse's census page, and without a script error.
        Assert.That(await station.EvaluateAsync<string?>("() => window.__browserTestMarker ?? null"), Is.EqualTo("no reload since sign-in"));
        await Artifacts.ScreenshotAsync(desk, "physician-acknowledged");
        await Artifacts.ScreenshotAsync(station, "nurse-census-acknowledged");
        Assert.That(nurse.PageErrors.Concat(physician.PageErrors), Is.Empty, "uncaught script errors");
    }

    /// <summary>Answers the bedside form to ICE 5 (oriented ×4, names 1 object, nothing else), alert, no other finding.</summary>
    private static async Task AnswerIce5Async(IPage page)
    {
        foreach (var (linkId, value) in new[]
        {
            ("orientationYear", "true"), ("orientationMonth", "true"), ("orientationCity", "true"), ("orientationHospital", "true"),
            ("namingCount", "1"), ("followsCommands", "false"), ("writesSentence", "false"), ("countsBackwards", "false"),
            ("consciousness", "alert"), ("sedated", "false"), ("seizure", "none"), ("motor", "none"), ("icp", "none"),
        })
        {
            await page.Locator($"[data-testid='item-{linkId}'] input[value='{value}']").CheckAsync();
        }
    }

    [Test]
    public async Task PatientAdmittedTo7W_AppearsOnTheOpenCensusWithin2s_WithoutReload()
    {
        var already = NewPatientId();
        await Fhir.AdmitAsync(Service, already, "7W");
        var nurse = await OpenUserAsync("nurse-7W");
        var (station, stationHub) = await nurse.SignInAsync(await Service.TokenAsync("nurse", "7W"));
        await Expect(CensusRow(station, already)).ToBeVisibleAsync();
        await stationHub.WaitForResumeAsync(1, HubTimeout);
        await station.EvaluateAsync("() => { window.__browserTestMarker = 'no reload since sign-in'; }");

        // The ADT feed admits a new patient to 7W (Location, Patient, Encounter): the open census shows the new row.
        var admitted = NewPatientId();
        await Fhir.AdmitAsync(Service, admitted, "7W");
        var sinceAdmission = Stopwatch.StartNew();
        try
        {
            await Expect(CensusRow(station, admitted)).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
            await LogTimingAsync("admission committed -> row on the open census", sinceAdmission);
        }
        finally
        {
            await Artifacts.ScreenshotAsync(station, "nurse-census-after-admission");
        }

        Assert.That(await station.EvaluateAsync<string?>("() => window.__browserTestMarker ?? null"), Is.EqualTo("no reload since sign-in"));
    }

    [Test]
    public async Task NurseOf5E_SeesNothingOfA7WAlert_InCensusFeedEscalationsOrHub()
    {
        var patient7W = NewPatientId();
        var patient5E = NewPatientId();
        await Fhir.AdmitAsync(Service, patient7W, "7W");
        await Fhir.AdmitAsync(Service, patient5E, "5E");

        var physician = await OpenUserAsync("physician-7W");
        var (desk, deskHub) = await physician.SignInAsync(await Service.TokenAsync("physician", "7W"));
        var nurse5E = await OpenUserAsync("nurse-5E");
        var (station, stationHub) = await nurse5E.SignInAsync(await Service.TokenAsync("nurse", "5E"));
        await Expect(station).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/unit/5E$"));
        await Expect(CensusRow(station, patient5E)).ToBeVisibleAsync();
        await Expect(CensusRow(station, patient7W)).ToHaveCountAsync(0);
        await deskHub.WaitForResumeAsync(1, HubTimeout);
        await stationHub.WaitForResumeAsync(1, HubTimeout);

        // The 7W alert is raised (the EHR sends the neuro check) and pushed: the 7W physician sees it.
        await Fhir.PostNeuroCheckAsync(Service, patient7W, ice: 5);
        await Expect(AlertCards(desk, patient7W)).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });

        // Then a 5E alert: pushes go out one after another, so once the 5E nurse has hers, a 7W push sent to her
        // would already have arrived. She sees her unit's alert live, and nothing of 7W.
        await Fhir.PostNeuroCheckAsync(Service, patient5E, ice: 5);
        await Expect(AlertCards(station, patient5E, within: "alert-feed")).ToBeVisibleAsync(new() { Timeout = (float)Live.TotalMilliseconds });
        await Expect(CensusRow(station, patient5E).GetByTestId("icans-badge")).ToHaveAttributeAsync("data-grade", "2");
        await Expect(AlertCards(station, patient7W, condition: null)).ToHaveCountAsync(0);
        Assert.That(await station.GetByTestId("alert").CountAsync(), Is.EqualTo(await AlertCards(station, patient5E, condition: null).CountAsync()),
            "every alert card on the 5E nurse's census is about the 5E patient");
        await Expect(CensusRow(station, patient7W)).ToHaveCountAsync(0);
        var frames = stationHub.Received;
        Assert.That(frames, Is.Not.Empty, "the 5E nurse's page received its own unit's push over the hub");
        Assert.That(frames.Where(f => f.Contains(patient7W, StringComparison.Ordinal) || f.Contains("\"7W\"", StringComparison.Ordinal)), Is.Empty,
            "hub frames received by the 5E nurse's page that mention the 7W patient or unit");
        await Artifacts.ScreenshotAsync(station, "nurse-5E-census");

        // Asking for 7W by address: refused, and nothing of the 7W patient is shown.
        await station.EvaluateAsync("() => { location.hash = '#/unit/7W'; }");
        await Expect(station.GetByRole(AriaRole.Alert).Filter(new() { HasText = "could not be loaded" }).First).ToBeVisibleAsync();
        await Expect(CensusRow(station, patient7W)).ToHaveCountAsync(0);
        await Expect(AlertCards(station, patient7W, condition: null)).ToHaveCountAsync(0);
        await Artifacts.ScreenshotAsync(station, "nurse-5E-asks-for-unit-7W");

        await station.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient7W}'; }}");
        await Expect(station.GetByRole(AriaRole.Alert).Filter(new() { HasText = "could not be loaded" }).First).ToBeVisibleAsync();
        await Expect(AlertCards(station, patient7W, condition: null)).ToHaveCountAsync(0);
        await Expect(station.Locator("main")).Not.ToContainTextAsync("ICANS grade");
        await Artifacts.ScreenshotAsync(station, "nurse-5E-asks-for-7W-patient");

        // The bedside form for the 7W patient: no name shown, and a submitted check is refused, not recorded.
        await station.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient7W}/neuro'; }}");
        await AnswerIce5Async(station);
        await Expect(station.GetByTestId("ice-total")).ToHaveTextAsync("5");
        await station.GetByTestId("submit").ClickAsync();
        await Expect(station.GetByTestId("form-error")).ToContainTextAsync("not recorded");
        await Expect(station.GetByTestId("submit-result")).ToBeEmptyAsync();
        await Expect(station.Locator("main h1")).Not.ToContainTextAsync("Browser");
        await Artifacts.ScreenshotAsync(station, "nurse-5E-neuro-check-for-7W-patient-refused");

        await station.EvaluateAsync("() => { location.hash = '#/escalations'; }");
        await Expect(AlertCards(station, patient5E)).ToBeVisibleAsync();
        await Expect(AlertCards(station, patient7W, condition: null)).ToHaveCountAsync(0);
        await Artifacts.ScreenshotAsync(station, "nurse-5E-escalations");
    }
}
