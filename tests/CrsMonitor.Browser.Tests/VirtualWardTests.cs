using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Issue 17 item 6 in Chromium against the real service: a patient after a tarlatamab dose, moved home by a physician,
/// with a wearable enrolled for heart rate (every second, no grace, so the gap comes within the test) that sends one
/// reading, and a temperature from the EHR. The remote nurse opens the unit's virtual ward from the census: the row
/// shows the home setting, the heart rate's last value, then, when the stream falls silent, "No data" in that cell and
/// the `no-data` alert in the row, without a reload (the hub's push). An inpatient of the unit with no device is not on
/// the virtual ward.
/// </summary>
[TestFixture]
public sealed class VirtualWardTests : BrowserTest
{
    private const string Unit = "VW";

    [Test]
    public async Task RemoteNurse_SeesTheHomePatientsLastData_ThenNoDataAndItsAlert_WhenTheWearableFallsSilent()
    {
        var patient = NewPatientId();
        var inpatient = NewPatientId();
        var now = DateTimeOffset.UtcNow;
        await Fhir.AdmitAsync(Service, patient, Unit);
        await Fhir.AdmitAsync(Service, inpatient, Unit);
        using (var ehr = await ClientAsync("integration"))
        {
            await SendAsync(ehr, "fhir/MedicationAdministration", "application/fhir+json", $$$"""
                {"resourceType":"MedicationAdministration","status":"completed",
                 "medicationCodeableConcept":{"coding":[{"system":"https://crsmonitor.org/fhir/CodeSystem/medication","code":"tarlatamab"}]},
                 "subject":{"reference":"Patient/{{{patient}}}"},"effectivePeriod":{"start":"{{{Iso(now.AddHours(-2))}}}","end":"{{{Iso(now.AddHours(-1))}}}"}}
                """);
        }

        using (var physician = await ClientAsync("physician", Unit))
        {
            await SendAsync(physician, $"api/patients/{patient}/setting", "application/json", """{"setting":"home","reason":"hospital at home"}""");
        }

        using (var nurseApi = await ClientAsync("nurse", Unit))
        {
            await SendAsync(nurseApi, $"api/patients/{patient}/devices", "application/json",
                """{"device":"urn:example:wearable|band-1","signals":[{"signal":"heart-rate","everySeconds":1}],"graceSeconds":0,"reason":"home kit"}""");
        }

        await Fhir.PostTemperatureAsync(Service, patient, 37.2m, DateTimeOffset.UtcNow.AddMinutes(-1));
        using (var ehr = await ClientAsync("integration"))
        {
            await SendAsync(ehr, "fhir/Observation", "application/fhir+json", $$$"""
                {"resourceType":"Observation","status":"final",
                 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
                 "code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/{{{patient}}}"},
                 "effectiveDateTime":"{{{Iso(DateTimeOffset.UtcNow)}}}","device":{"identifier":{"system":"urn:example:wearable","value":"band-1"}},
                 "valueQuantity":{"value":81,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}
                """);
        }

        var nurse = await OpenUserAsync("nurse-VW");
        var (page, _) = await nurse.SignInAsync(await Service.TokenAsync("nurse", Unit));
        await page.GetByTestId("virtual-ward-link").ClickAsync();
        var row = page.Locator($"[data-testid=ward-row][data-patient-id='{patient}']");
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Home");
        await Expect(page.Locator($"[data-testid=ward-row][data-patient-id='{inpatient}']")).ToHaveCountAsync(0);
        await Expect(row.Locator("[data-signal='temperature']")).ToContainTextAsync("37.2");

        // One second of cadence and no grace: the gap worker (every 5 s) finds the stream silent, raises no-data, and the push refreshes the page.
        var heartRate = row.Locator("[data-signal='heart-rate']");
        await Expect(heartRate).ToHaveAttributeAsync("data-stream", "no-data", new() { Timeout = 30_000 });
        await Expect(heartRate).ToContainTextAsync("No data");
        await Expect(heartRate).ToContainTextAsync("81");
        await Expect(row.Locator("[data-testid=ward-alert][data-condition='no-data']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    private static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private async Task<HttpClient> ClientAsync(string role, params string[] units)
    {
        var client = new HttpClient { BaseAddress = Service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Service.TokenAsync(role, units));
        return client;
    }

    private static async Task SendAsync(HttpClient client, string path, string mediaType, string json)
    {
        using var body = new StringContent(json, Encoding.UTF8, mediaType);
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), $"POST {path}: {text}");
    }
}
