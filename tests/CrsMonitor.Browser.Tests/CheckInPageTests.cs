using System.Net.Http.Headers;
using System.Text;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// The patient and caregiver check-in (issue 17) in Chromium against the real service: a 7W nurse creates the patient's
/// check-in code on the patient page; a caregiver opens the link on a phone (390 × 844, touch) with no hospital account,
/// sends a temperature, confusion and a dexamethasone taken at home, and sees what was sent; the nurse's census feed
/// shows the urgent "assess ICE now" alert, caregiver-reported, live. A revoked code gets the generic refusal.
/// </summary>
[TestFixture]
public sealed class CheckInPageTests : BrowserTest
{
    private static readonly TimeSpan HubTimeout = TimeSpan.FromSeconds(15);

    [Test]
    public async Task ACaregiverOnAPhone_SendsTemperatureConfusionAndDexamethasone_TheUnitSeesAssessIceNow_CaregiverReported()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, "7W");
        var nurseToken = await Service.TokenAsync("nurse", "7W");
        await OpenWindowAsync(nurseToken, patient);

        // The nurse: the unit census (live alert feed), and the patient page where the code is made.
        var nurse = await OpenUserAsync("nurse-7W");
        var (station, stationHub) = await nurse.SignInAsync(nurseToken);
        await Expect(CensusRow(station, patient)).ToBeVisibleAsync();
        await stationHub.WaitForResumeAsync(1, HubTimeout);
        var (desk, _) = await nurse.SignInAsync(nurseToken, $"/#/patient/{patient}");
        var panel = desk.GetByTestId("checkin-panel");
        await Expect(panel.GetByTestId("checkin-none")).ToBeVisibleAsync();
        await panel.GetByTestId("create-checkin-code").ClickAsync();
        var code = (await panel.GetByTestId("checkin-code").TextContentAsync())!.Trim();
        var link = (await panel.GetByTestId("checkin-link").TextContentAsync())!.Trim();
        await Expect(panel.GetByTestId("checkin-active")).ToContainTextAsync("not used yet");
        Assert.That(link, Does.EndWith($"/checkin/#code={code}"));
        await Artifacts.ScreenshotAsync(desk, "nurse-checkin-code-created");

        // The caregiver's phone: a context of its own, no token anywhere.
        await using var phone = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, Locale = "en-GB", TimezoneId = "UTC",
            DeviceScaleFactor = 3,
        });
        var page = await phone.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(link);
        await Expect(page.GetByTestId("checkin-send")).ToBeVisibleAsync();
        Assert.That(page.Url, Does.Not.Contain(code), "the code is taken out of the address bar");

        await page.GetByTestId("reporter-caregiver").CheckAsync();
        await page.GetByTestId("temperature").FillAsync("38.6");
        await page.GetByTestId("symptom-confusion").CheckAsync();
        await page.GetByTestId("medicine-dexamethasone").CheckAsync();
        await Expect(page.GetByTestId("medicine-dexamethasone-time")).ToBeVisibleAsync();
        var taken = DateTime.UtcNow.AddMinutes(-30).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        await page.GetByTestId("medicine-dexamethasone-time").FillAsync(taken);

        // Large touch targets: every button and every choice row at least 48 px high, none wider than the screen.
        foreach (var target in await page.Locator("button, label.choice").AllAsync())
        {
            var box = await target.BoundingBoxAsync();
            Assert.That(box!.Height, Is.GreaterThanOrEqualTo(48), await target.TextContentAsync());
            Assert.That(box.X + box.Width, Is.LessThanOrEqualTo(390.5), await target.TextContentAsync());
        }

        await Artifacts.ScreenshotAsync(page, "caregiver-phone-checkin-filled");
        await page.GetByTestId("checkin-send").TapAsync();

        var sent = page.GetByTestId("checkin-sent-items");
        await Expect(sent).ToContainTextAsync("Temperature 38.6 °C");
        await Expect(sent).ToContainTextAsync("New: confusion");
        await Expect(sent).ToContainTextAsync($"Dexamethasone taken at {taken}");
        await Expect(page.GetByTestId("checkin-urgent")).ToBeVisibleAsync();
        await Artifacts.ScreenshotAsync(page, "caregiver-phone-checkin-sent");

        // The unit: the urgent alert in the nurse's live feed, caregiver-reported.
        var card = AlertCards(station, patient, condition: "assess-ice-now", within: "alert-feed");
        await Expect(card).ToBeVisibleAsync(new() { Timeout = 5_000 });
        await Expect(card).ToHaveAttributeAsync("data-state", "raised");
        await Expect(card.GetByTestId("reported-by")).ToHaveTextAsync("Caregiver-reported");
        await Expect(card).ToContainTextAsync("confusion");
        await Artifacts.ScreenshotAsync(station, "nurse-census-assess-ice-now");

        // Revoked from the patient page: the phone's next check-in gets the one generic refusal.
        await desk.GetByTestId("checkin-panel").GetByTestId("revoke-checkin-code").ClickAsync();
        await Expect(desk.GetByTestId("checkin-panel").GetByTestId("checkin-none")).ToBeVisibleAsync();
        await page.GetByTestId("checkin-again").TapAsync();
        await page.GetByTestId("reporter-patient").CheckAsync();
        await page.GetByTestId("checkin-send").TapAsync();
        await Expect(page.GetByTestId("checkin-refused")).ToHaveTextAsync("This check-in code cannot be used. Ask your care team for a new one.");
        Assert.That(errors, Is.Empty, "no uncaught error on the check-in page");
        await phone.CloseAsync();
    }

    private async Task OpenWindowAsync(string nurseToken, string patient)
    {
        using var client = new HttpClient { BaseAddress = Service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", nurseToken);
        using var body = new StringContent("""{"minHours":22,"maxHours":24,"reason":"home after C1D1"}""", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri($"api/patients/{patient}/windows", UriKind.Relative), body);
        Assert.That((int)response.StatusCode, Is.EqualTo(201), await response.Content.ReadAsStringAsync());
    }
}
