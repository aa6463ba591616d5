using System.Text.Json.Nodes;
using CrsMonitor.Service.Storage;
using CrsMonitor.Service.Tests.Storage;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The section-6 audit rules through FHIR and continuous grading, as a feed delivers them: the patient's age from
/// Patient.birthDate (ICANS-SCALE, CRS-HYPO-PED), the drugs from MedicationAdministrations (CRS-AFEBRILE, CRS-VASO),
/// and the answers a feed may not combine (ICANS-CONTRA 422, CRS-O2 flow 0 422), each naming the elements.
/// </summary>
[TestFixture(StorageProvider.Sqlite)]
[TestFixture(StorageProvider.Postgres)]
public sealed class AuditRulesOverFhirTests(StorageProvider provider)
{
    private const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private TestDatabase database = null!;
    private ServiceHost host = null!;
    private HttpClient integration = null!;
    private HttpClient nurse = null!;

    private static DateTimeOffset T(double hours) => ServiceHost.Start.AddHours(hours);

    [SetUp]
    public async Task StartAsync()
    {
        database = await TestDatabase.CreateAsync(provider);
        host = new ServiceHost(database.HostSettings);
        host.Time.SetUtcNow(T(10));
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
    }

    [TearDown]
    public async Task StopAsync()
    {
        integration.Dispose();
        nurse.Dispose();
        await host.DisposeAsync();
        await database.DisposeAsync();
    }

    [Test]
    public async Task IcansScale_Child10WithIce2_Grade3_FlagScaleAgeMismatch_NotGrade0()
    {
        await AdmitAsync(integration, "p-child", "7W");
        await Ok(await integration.PutAsync("/fhir/Patient/p-child", Body(Patient("p-child", BirthDateForAge(10)))));
        await Ok(await nurse.PostAsync("/fhir/QuestionnaireResponse", Body(Neuro("p-child", T(9.5), Ice2Items + "," + Answer("consciousness", "alert")))));

        var icans = (await StatusAsync("p-child"))["icans"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(icans["grade"]!.GetValue<int>(), Is.EqualTo(3));
            Assert.That(Words(icans["flags"]), Does.Contain("scale-age-mismatch"));
            Assert.That(icans["rules"]!.ToJsonString(), Does.Contain("ICANS-SCALE"));
        }
    }

    [Test]
    public async Task IcansMissing_ConsciousnessWithoutIce_NotGradable_IceMissing()
    {
        await AdmitAsync(integration, "p-noice", "7W");
        await Ok(await nurse.PostAsync("/fhir/QuestionnaireResponse", Body(Neuro("p-noice", T(9.5), Answer("consciousness", "alert")))));
        var icans = (await StatusAsync("p-noice"))["icans"]!;
        Assert.That((icans["status"]!.GetValue<string>(), icans["reason"]!.GetValue<string>()), Is.EqualTo(("not-gradable", "ice-missing")));
    }

    [TestCase(3, 80, 1, TestName = "CrsHypoPed_Child3_Sbp80_OverFhir_NotHypotension_Grade1")]
    [TestCase(3, 75, 2, TestName = "CrsHypoPed_Child3_Sbp75_OverFhir_Hypotension_Grade2")]
    [TestCase(40, 80, 2, TestName = "CrsHypoPed_Adult_Sbp80_OverFhir_Hypotension_Grade2")]
    public async Task CrsHypoPed_TheAgeComesFromTheBirthDate(int age, int sbp, int grade)
    {
        await AdmitAsync(integration, "p-bp", "7W");
        await Ok(await integration.PutAsync("/fhir/Patient/p-bp", Body(Patient("p-bp", BirthDateForAge(age)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-bp", 38.5m, "Cel", T(9.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-bp", sbp, T(9.5)))));
        var crs = (await StatusAsync("p-bp"))["crs"]!;
        Assert.That(crs["grade"]!.GetValue<int>(), Is.EqualTo(grade), crs.ToJsonString());
        Assert.That(crs["rules"]!.ToJsonString(), Does.Contain("CRS-HYPO-PED"));
    }

    [TestCase(47.5, "not-gradable", TestName = "CrsAfebrile_DexamethasoneGiven47h30Before_NasalCannula_NotGradable_SuspectedMaskedFever")]
    [TestCase(48.5, "graded", TestName = "CrsAfebrile_DexamethasoneGiven48h30Before_NasalCannula_Grade0_FlagAfebrileSupport")]
    public async Task CrsAfebrile_TheMaskingPeriodCountsFromTheDrug(double hoursBefore, string status)
    {
        host.Time.SetUtcNow(T(60)); // tokens are issued at the new "now"
        Reconnect();
        await AdmitAsync(integration, "p-afeb", "7W");
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication("p-afeb", RxNorm, "3264", T(60 - hoursBefore)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-afeb", 37.2m, "Cel", T(59.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-afeb", 120m, T(59.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-afeb", "nasal-cannula", T(59.5), 2m))));
        var crs = (await StatusAsync("p-afeb"))["crs"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crs["status"]!.GetValue<string>(), Is.EqualTo(status), crs.ToJsonString());
            Assert.That(Words(crs["flags"]), status == "graded" ? Does.Contain("afebrile-support") : Does.Contain("suspected-masked-fever"));
            Assert.That(crs["rules"]!.ToJsonString(), Does.Contain("CRS-AFEBRILE"));
        }
    }

    [Test]
    public async Task CrsVaso_ANorepinephrineThatEndedThreeDaysAgo_NoLongerCounts_FeverAloneGrade1()
    {
        host.Time.SetUtcNow(T(80)); // tokens are issued at the new "now"
        Reconnect();
        await AdmitAsync(integration, "p-vaso", "7W");
        await Ok(await integration.PostAsync("/fhir/MedicationAdministration", Body(Medication("p-vaso", RxNorm, "7512", T(2), T(6)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Temperature("p-vaso", 38.6m, "Cel", T(79.5)))));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(Systolic("p-vaso", 118m, T(79.5)))));
        var crs = (await StatusAsync("p-vaso"))["crs"]!;
        Assert.That(crs["grade"]!.GetValue<int>(), Is.EqualTo(1), crs.ToJsonString());
    }

    [Test]
    public async Task CrsO2_NasalCannulaWithFlow0_Is422_RecordRoomAirInstead()
    {
        await AdmitAsync(integration, "p-flow", "7W");
        var response = await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-flow", "nasal-cannula", T(9.5), 0m)));
        var outcome = await FhirAssert.OutcomeAsync(response, 422);
        Assert.That(FhirAssert.Expressions(outcome), Has.Some.Contain("component[0].valueQuantity.value"));
        Assert.That(string.Join(" ", outcome.Issue.Select(i => i.Diagnostics)), Does.Contain("record room air instead"));
        await Ok(await integration.PostAsync("/fhir/Observation", Body(OxygenDevice("p-flow", "room-air", T(9.5), 0m))));
    }

    [TestCase("iceNotPossibleReason", "unarousable", "consciousness", "awakens-to-voice", TestName = "IcansContra_NotPossibleUnarousableWithAwakensToVoice_Is422_NamingBothItems")]
    [TestCase("sedated", null, "iceNotPossibleReason", "unarousable", TestName = "IcansContra_SedatedWithNotPossibleUnarousable_Is422_NamingBothItems")]
    public async Task IcansContra_ContradictoryNeuroCheck_Is422_NothingStored(string first, string? firstCode, string second, string secondCode)
    {
        await AdmitAsync(integration, "p-contra", "7W");
        var firstAnswer = firstCode is null ? $$"""{"linkId":"{{first}}","answer":[{"valueBoolean":true}]}""" : Answer(first, firstCode);
        var response = await nurse.PostAsync("/fhir/QuestionnaireResponse", Body(Neuro("p-contra", T(9.5), firstAnswer + "," + Answer(second, secondCode))));
        await AssertContradictionAsync(response, first, second);
    }

    [Test]
    public async Task IcansContra_IceItemsWithUnarousable_Is422_NamingBothItems()
    {
        await AdmitAsync(integration, "p-contra", "7W");
        var response = await nurse.PostAsync("/fhir/QuestionnaireResponse", Body(Neuro("p-contra", T(9.5), Ice2Items + "," + Answer("consciousness", "unarousable"))));
        await AssertContradictionAsync(response, "orientationYear", "consciousness");
    }

    private async Task AssertContradictionAsync(HttpResponseMessage response, string first, string second)
    {
        var outcome = await FhirAssert.OutcomeAsync(response, 422);
        var text = string.Join(" ", outcome.Issue.Select(i => i.Diagnostics));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.Contain(first == "orientationYear" ? "ICE items" : first).And.Contain(second).And.Contain("ICANS-CONTRA"));
            Assert.That(FhirAssert.Expressions(outcome), Has.Some.Contain("item["), "the element of the first answer");
            Assert.That(text, Does.Contain(".item["), "the element of the other answer");
        }

        var icans = (await StatusAsync("p-contra"))["icans"]!;
        Assert.That(icans["status"]!.GetValue<string>(), Is.EqualTo("not-gradable"), "nothing was stored, nothing graded");
    }

    private void Reconnect()
    {
        integration.Dispose();
        nurse.Dispose();
        integration = host.ClientFor("integration");
        nurse = host.ClientFor("nurse", "7W");
    }

    private async Task<JsonNode> StatusAsync(string patient) =>
        JsonNode.Parse(await Ok(await nurse.GetAsync($"/api/patients/{patient}/status")))!;

    private string BirthDateForAge(int years) => host.Time.GetUtcNow().UtcDateTime.Date.AddYears(-years).AddDays(-30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<string> Words(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>());

    /// <summary>ICE 2/10: year and month only.</summary>
    private const string Ice2Items = """
        {"linkId":"orientationYear","answer":[{"valueBoolean":true}]},{"linkId":"orientationMonth","answer":[{"valueBoolean":true}]},
        {"linkId":"orientationCity","answer":[{"valueBoolean":false}]},{"linkId":"orientationHospital","answer":[{"valueBoolean":false}]},
        {"linkId":"namingCount","answer":[{"valueInteger":0}]},{"linkId":"followsCommands","answer":[{"valueBoolean":false}]},
        {"linkId":"writesSentence","answer":[{"valueBoolean":false}]},{"linkId":"countsBackwards","answer":[{"valueBoolean":false}]}
        """;

    private static string Answer(string linkId, string code) =>
        $$$"""{"linkId":"{{{linkId}}}","answer":[{"valueCoding":{"system":"https://crsmonitor.org/fhir/CodeSystem/neuro","code":"{{{code}}}"}}]}""";

    private static string Neuro(string patient, DateTimeOffset at, string items) =>
        $$"""
        {"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed",
         "subject":{"reference":"Patient/{{patient}}"},"authored":"{{Iso(at)}}","item":[{{items}}]}
        """;
}
