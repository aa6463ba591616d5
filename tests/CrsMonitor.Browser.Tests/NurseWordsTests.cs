using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace CrsMonitor.Browser.Tests;

/// <summary>
/// Issue 11 items 2 and 5 in Chromium against the real service: not-gradable reasons and review flags are shown in a
/// nurse's words on the census and the patient page, with the missing or stale inputs ("No temperature for 5 h", "No
/// neuro check yet") as notes, not alerts; the neuro-check form refuses the contradictions of ICANS-CONTRA before
/// anything is sent, marking both fields, and sends the corrected check.
/// </summary>
[TestFixture]
public sealed class NurseWordsTests : BrowserTest
{
    private const string Unit = "7W";

    [Test]
    public async Task TemperatureFiveHoursOld_NoNeuroCheck_CensusAndPatientPageSayWhatIsMissingInWords()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, Unit);
        await Fhir.PostTemperatureAsync(Service, patient, 37.2m, DateTimeOffset.UtcNow.AddHours(-5));
        var nurse = await OpenUserAsync("nurse-7W");
        var (page, _) = await nurse.SignInAsync(await Service.TokenAsync("nurse", Unit));

        // Census: the reasons under the badges, the gaps in the row, none of it as an alert.
        var row = CensusRow(page, patient);
        await Expect(row.GetByTestId("crs-badge")).ToHaveAttributeAsync("data-reason", "temperature-missing");
        await Expect(row.GetByTestId("crs-badge").GetByTestId("badge-reason")).ToHaveTextAsync("No temperature");
        await Expect(row.GetByTestId("icans-badge").GetByTestId("badge-reason")).ToHaveTextAsync("No ICE score");
        var temperature = row.Locator("[data-testid=input-gap][data-input=temperature]");
        await Expect(temperature).ToHaveTextAsync("No temperature for 5 h");
        await Expect(temperature).ToHaveAttributeAsync("data-state", "stale");
        await Expect(row.Locator("[data-testid=input-gap][data-input=neuroCheck]")).ToHaveTextAsync("No neuro check yet");
        await Expect(row.Locator("[data-testid=input-gap][data-input=systolicBp]")).ToHaveTextAsync("No blood pressure yet");
        await Expect(row.Locator("[role=alert], [aria-live=assertive]")).ToHaveCountAsync(0);
        await Artifacts.ScreenshotAsync(page, "census-gaps-in-words");

        // Patient page: what each reason means and what to do, and the same gaps.
        await page.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient}'; }}");
        var crsReason = page.Locator(".grade-detail [data-testid=reason][data-reason=temperature-missing]");
        await Expect(crsReason).ToContainTextAsync("No current temperature: CRS cannot be graded without one.");
        await Expect(crsReason).ToContainTextAsync("Take and record a temperature.");
        await Expect(page.Locator(".grade-detail [data-testid=reason][data-reason=ice-missing]")).ToContainTextAsync("Do the ICE, or record why it was not possible.");
        await Expect(page.GetByTestId("crs-gaps")).ToContainTextAsync("No temperature for 5 h");
        await Expect(page.GetByTestId("icans-gaps")).ToContainTextAsync("No neuro check yet");
        await Expect(page.GetByTestId("crs-gaps").Locator("[role=alert]")).ToHaveCountAsync(0);
        await Expect(page.Locator(".grade-detail").First).Not.ToContainTextAsync("temperature-missing"); // words, not the code
        await Artifacts.ScreenshotAsync(page, "patient-page-gaps-in-words");
        Assert.That(nurse.PageErrors, Is.Empty, "uncaught script errors");
    }

    [Test]
    public async Task SedatedCheck_IsSent_AndSedatedIsShownInWords_OnPatientPageAndCensus()
    {
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, Unit);
        var nurse = await OpenUserAsync("nurse-7W");
        var (page, _) = await nurse.SignInAsync(await Service.TokenAsync("nurse", Unit));
        var posts = CountQuestionnaireResponsePosts(page);
        await page.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient}/neuro'; }}");

        await AnswerAsync(page, ("iceNotPossibleReason", "sedated"), ("consciousness", "awakens-to-tactile"), ("sedated", "true"),
            ("seizure", "none"), ("motor", "none"), ("icp", "none"));
        await Expect(page.GetByTestId("icans-grade")).ToHaveAttributeAsync("data-grade", "not-gradable");
        await Expect(page.Locator(".grade-preview [data-testid=reason][data-reason=sedated]")).ToContainTextAsync("Repeat the neuro check when sedation is lightened.");
        await page.GetByTestId("submit").ClickAsync();
        await Expect(page.GetByTestId("submit-result")).ToContainTextAsync("Neuro check recorded");
        await Expect(page.GetByTestId("submit-result")).ToContainTextAsync("QuestionnaireResponse/"); // the stored id, from Location
        Assert.That(posts(), Is.EqualTo(1), "the consistent check was sent once");

        await page.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient}'; }}");
        await Expect(page.GetByTestId("icans-current")).ToHaveAttributeAsync("data-reason", "sedated");
        await Expect(page.Locator(".grade-detail [data-testid=reason][data-reason=sedated]")).ToContainTextAsync("Sedating medicine");
        await page.EvaluateAsync($"() => {{ location.hash = '#/unit/{Unit}'; }}");
        await Expect(CensusRow(page, patient).GetByTestId("icans-badge").GetByTestId("badge-reason")).ToHaveTextAsync("Sedated");
        await Expect(CensusRow(page, patient).Locator("[data-testid=input-gap][data-input=neuroCheck]")).ToHaveCountAsync(0);
        Assert.That(nurse.PageErrors, Is.Empty, "uncaught script errors");
    }

    /// <summary>ICANS-CONTRA (grading-rules.md section 6): each contradiction, then the correction that makes the check consistent.</summary>
    private static IEnumerable<TestCaseData> Contradictions()
    {
        (string, string)[] rest = [("seizure", "none"), ("motor", "none"), ("icp", "none")];
        yield return new TestCaseData(
            (IReadOnlyList<(string, string)>)[("iceNotPossibleReason", "unarousable"), ("consciousness", "awakens-to-voice"), ("sedated", "false"), .. rest],
            new[] { "iceNotPossibleReason", "consciousness" }, new[] { "ICE assessment", "Level of consciousness" }, ("consciousness", "unarousable"))
            .SetName("IceNotPossibleUnarousable_WithAwakensToVoice_IsRefusedBeforeSending_ThenTheCorrectedCheckIsSent");
        yield return new TestCaseData(
            (IReadOnlyList<(string, string)>)[.. Ice5, ("consciousness", "unarousable"), ("sedated", "false"), .. rest],
            new[] { "iceNotPossibleReason", "consciousness" }, new[] { "ICE score", "Level of consciousness" }, ("iceNotPossibleReason", "unarousable"))
            .SetName("IceScore_WithUnarousable_IsRefusedBeforeSending_ThenTheCorrectedCheckIsSent");
        yield return new TestCaseData(
            (IReadOnlyList<(string, string)>)[("iceNotPossibleReason", "unarousable"), ("consciousness", "unarousable"), ("sedated", "true"), .. rest],
            new[] { "sedated", "iceNotPossibleReason" }, new[] { "Pharmacologically sedated", "ICE assessment" }, ("sedated", "false"))
            .SetName("Sedated_WithIceNotPossibleUnarousable_IsRefusedBeforeSending_ThenTheCorrectedCheckIsSent");
    }

    private static readonly (string, string)[] Ice5 =
    [
        ("orientationYear", "true"), ("orientationMonth", "true"), ("orientationCity", "true"), ("orientationHospital", "true"),
        ("namingCount", "1"), ("followsCommands", "false"), ("writesSentence", "false"), ("countsBackwards", "false"),
    ];

    [TestCaseSource(nameof(Contradictions))]
    public async Task NeuroCheckForm_RefusesIcansContra(
        IReadOnlyList<(string LinkId, string Value)> answers, string[] markedFields, string[] namedFields, (string LinkId, string Value) correction)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(markedFields);
        ArgumentNullException.ThrowIfNull(namedFields);
        var patient = NewPatientId();
        await Fhir.AdmitAsync(Service, patient, Unit);
        var nurse = await OpenUserAsync("nurse-7W");
        var token = await Service.TokenAsync("nurse", Unit);
        var (page, _) = await nurse.SignInAsync(token);
        var posts = CountQuestionnaireResponsePosts(page);
        await page.EvaluateAsync($"() => {{ location.hash = '#/patient/{patient}/neuro'; }}");

        await AnswerAsync(page, [.. answers]);
        await page.GetByTestId("submit").ClickAsync();

        // Refused here: one message naming both fields, both fields marked invalid, nothing sent or stored.
        var error = page.GetByTestId("form-error");
        await Expect(error).ToBeVisibleAsync();
        await Expect(error).ToContainTextAsync("not recorded");
        await Expect(error.GetByTestId("contradiction")).ToHaveCountAsync(1);
        foreach (var field in namedFields)
        {
            await Expect(error.GetByTestId("contradiction")).ToContainTextAsync(field);
        }

        foreach (var field in markedFields)
        {
            await Expect(page.GetByTestId($"item-{field}")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(page.GetByTestId($"item-{field}").Locator("input").First).ToHaveAttributeAsync("aria-invalid", "true");
        }

        await Expect(page.Locator("fieldset.item[aria-invalid=true]")).ToHaveCountAsync(markedFields.Length);
        await Expect(page.GetByTestId("submit-result")).ToBeEmptyAsync();
        await Artifacts.ScreenshotAsync(page, $"contradiction-{markedFields[0]}-{markedFields[1]}");
        Assert.That(posts(), Is.Zero, "a QuestionnaireResponse was posted for a contradictory check");
        var status = await Fhir.GetAsync(Service, token, $"/api/patients/{patient}/status");
        Assert.That(status, Does.Contain("\"reason\":\"ice-missing\""), "no neuro check is stored for the patient");

        // Corrected, the marks go and the check is sent once.
        await AnswerAsync(page, correction);
        await Expect(page.Locator("fieldset.item[aria-invalid=true]")).ToHaveCountAsync(0);
        await page.GetByTestId("submit").ClickAsync();
        await Expect(page.GetByTestId("submit-result")).ToContainTextAsync("Neuro check recorded");
        Assert.That(posts(), Is.EqualTo(1), "the corrected check was sent once");
        Assert.That(nurse.PageErrors, Is.Empty, "uncaught script errors");
    }

    [Test]
    public async Task ServerRefusal422_IsShownOnTheForm_WithItsMessage()
    {
        // A consistent check the server refuses with 422 (here: a patient it does not know; with ICANS-CONTRA on the
        // server, a contradiction from an older form): the form shows the server's words, nothing is recorded.
        var unknown = NewPatientId();
        var nurse = await OpenUserAsync("nurse-7W");
        var (page, _) = await nurse.SignInAsync(await Service.TokenAsync("nurse", Unit));
        var refusals = new List<int>();
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/fhir/QuestionnaireResponse", StringComparison.Ordinal))
            {
                lock (refusals)
                {
                    refusals.Add(response.Status);
                }
            }
        };
        await page.EvaluateAsync($"() => {{ location.hash = '#/patient/{unknown}/neuro'; }}");
        await AnswerAsync(page, [.. Ice5, ("consciousness", "alert"), ("sedated", "false"), ("seizure", "none"), ("motor", "none"), ("icp", "none")]);
        await page.GetByTestId("submit").ClickAsync();

        var error = page.GetByTestId("form-error");
        await Expect(error).ToContainTextAsync("The neuro check was not recorded.");
        await Expect(error).ToContainTextAsync($"Patient/{unknown} is not known");
        await Expect(page.GetByTestId("submit-result")).ToBeEmptyAsync();
        lock (refusals)
        {
            Assert.That(refusals, Is.EqualTo(new[] { 422 }), "the server's answer to the one POST");
        }
    }

    private static async Task AnswerAsync(IPage page, params (string LinkId, string Value)[] answers)
    {
        foreach (var (linkId, value) in answers)
        {
            await page.Locator($"[data-testid='item-{linkId}'] input[value='{value}']").CheckAsync();
        }
    }

    /// <summary>Counts the page's POSTs of a QuestionnaireResponse from now on.</summary>
    private static Func<int> CountQuestionnaireResponsePosts(IPage page)
    {
        var count = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("/fhir/QuestionnaireResponse", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref count);
            }
        };
        return () => Volatile.Read(ref count);
    }
}
