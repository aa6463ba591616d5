using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Issue 16 in Chromium against the real service: an EHR posts a course over FHIR (admission, a tarlatamab dose, vital
/// signs, laboratory results before and after the dose); a nurse of the unit opens the patient's chart. The biomarker
/// panel shows each analyte present (a plot on the timeline's axis, the latest value with its unit), EASIX at the dose
/// with its formula, its inputs with their times and the research notice beside the value, and m-EASIX's "no score"
/// with its reason (no CRP before the dose). Nothing else on the page changes: the grades are the vital signs' own.
/// </summary>
[TestFixture]
public sealed class BiomarkerPanelTests : BrowserTest
{
    private const string Notice = "research score, not validated for this drug; not for treatment decisions";

    [Test]
    public async Task NurseOfTheUnit_SeesTheAnalytes_EasixAtTheDoseWithFormulaInputsAndNotice_AndModifiedEasixsReasonForNoScore()
    {
        var patient = NewPatientId();
        var now = DateTimeOffset.UtcNow;
        var dose = now.AddHours(-10);
        await Fhir.AdmitAsync(Service, patient, "7W");
        using (var ehr = await IntegrationAsync())
        {
            await PostAsync(ehr, "MedicationAdministration", $$$"""
                {"resourceType":"MedicationAdministration","status":"completed",
                 "medicationCodeableConcept":{"coding":[{"system":"https://crsmonitor.org/fhir/CodeSystem/medication","code":"tarlatamab"}]},
                 "subject":{"reference":"Patient/{{{patient}}}"},"effectivePeriod":{"start":"{{{Iso(dose)}}}","end":"{{{Iso(dose.AddHours(1))}}}"}}
                """);
            await PostAsync(ehr, "Observation", Lab(patient, "2532-0", "250", "U/L", dose.AddHours(-14)));
            await PostAsync(ehr, "Observation", Lab(patient, "2160-0", "1.2", "mg/dL", dose.AddHours(-14)));
            await PostAsync(ehr, "Observation", Lab(patient, "777-3", "150", "10*3/uL", dose.AddHours(-14)));
            await PostAsync(ehr, "Observation", Lab(patient, "2276-4", "50000", "ng/mL", dose.AddHours(-14)));
            await PostAsync(ehr, "Observation", Lab(patient, "1988-5", "300", "mg/L", dose.AddHours(4)));
            await PostAsync(ehr, "Observation", Lab(patient, "777-3", "5", "10*3/uL", dose.AddHours(4)));
        }

        await Fhir.PostTemperatureAsync(Service, patient, 37.1m, now.AddHours(-1));

        var nurse = await OpenUserAsync("nurse-7W");
        var (page, _) = await nurse.SignInAsync(await Service.TokenAsync("nurse", "7W"));
        await page.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient}'; }}");

        var panel = page.GetByTestId("biomarkers");
        await Expect(panel).ToBeVisibleAsync();
        foreach (var analyte in new[] { "crp", "ferritin", "ldh", "platelets", "creatinine" })
        {
            var row = panel.Locator($"[data-testid=analyte][data-analyte='{analyte}']");
            await Expect(row).ToBeVisibleAsync();
            await Expect(row.Locator("canvas").First).ToBeVisibleAsync(); // its plot on the timeline's axis
        }

        await Expect(panel.Locator("[data-testid=analyte]")).ToHaveCountAsync(5);
        await Expect(panel.Locator("[data-analyte='platelets'] [data-testid=analyte-latest]")).ToContainTextAsync("latest 5 10⁹/L");
        await Expect(panel.Locator("[data-analyte='ferritin'] [data-testid=analyte-latest]")).ToContainTextAsync("50000 ng/mL");

        var easix = page.Locator("[data-testid=score][data-score='easix']");
        await Expect(easix.GetByTestId("score-formula")).ToHaveTextAsync("EASIX = LDH (U/L) × creatinine (mg/dL) ÷ platelets (10^9/L)");
        var atDose = easix.Locator("[data-testid=score-value][data-dose-id]");
        await Expect(atDose).ToHaveCountAsync(1);
        await Expect(atDose.Locator(".score-number")).ToHaveTextAsync("EASIX 2");
        await Expect(atDose.GetByTestId("score-notice")).ToHaveTextAsync(Notice);
        var inputs = atDose.GetByTestId("score-inputs");
        await Expect(inputs.Locator("[data-input='ldh']")).ToContainTextAsync("LDH 250 U/L, taken");
        await Expect(inputs.Locator("[data-input='creatinine']")).ToContainTextAsync("creatinine 1.2 mg/dL, taken");
        await Expect(inputs.Locator("[data-input='platelets']")).ToContainTextAsync("platelets 150 10⁹/L, taken");
        await Expect(inputs.Locator("time")).ToHaveCountAsync(3);

        var modified = page.Locator("[data-testid=score][data-score='m-easix']");
        var noScore = modified.Locator("[data-testid=no-score][data-dose-id]");
        await Expect(noScore).ToContainTextAsync("No m-EASIX score:");
        await Expect(noScore.GetByTestId("no-score-reason")).ToHaveTextAsync("no CRP within 72 h before the dose");

        // Every score value on the page carries the notice beside it.
        var values = page.GetByTestId("score-value");
        Assert.That(await values.CountAsync(), Is.GreaterThanOrEqualTo(2), "EASIX at the dose and over time");
        Assert.That(await page.Locator("[data-testid=score-value] [data-testid=score-notice]").CountAsync(), Is.EqualTo(await values.CountAsync()));
        await Expect(page.Locator("[data-testid=score-value] [data-testid=score-notice]").First).ToHaveTextAsync(Notice);

        // Labs never change the grade (CRS-ORGAN): the current CRS grade is the vital signs' own.
        await Expect(page.Locator("[data-testid=crs-badge], .grade-column").First).ToBeVisibleAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("They never change the CRS or ICANS grade (CRS-ORGAN).");
        await Artifacts.ScreenshotAsync(page, "patient-chart-biomarkers");
        Assert.That(nurse.PageErrors, Is.Empty, "uncaught script errors");
    }

    private static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Lab(string patient, string loinc, string value, string unit, DateTimeOffset at) => $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"{{{loinc}}}"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(at)}}}",
         "valueQuantity":{"value":{{{value}}},"unit":"{{{unit}}}","system":"http://unitsofmeasure.org","code":"{{{unit}}}"}}
        """;

    /// <summary>The EHR's client: an integration token (at most 5 minutes) for this test's posts.</summary>
    private async Task<HttpClient> IntegrationAsync()
    {
        var client = new HttpClient { BaseAddress = Service.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Service.TokenAsync("integration"));
        return client;
    }

    private static async Task PostAsync(HttpClient client, string type, string json)
    {
        using var body = new StringContent(json, Encoding.UTF8, "application/fhir+json");
        using var response = await client.PostAsync(new Uri($"fhir/{type}", UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.That((int)response.StatusCode, Is.InRange(200, 299), $"POST {type}: {text}");
    }
}
