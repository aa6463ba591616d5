using System.Net;
using System.Text.Json.Nodes;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// The calculator and the section-6 audit rules: the body's age grades CRS too (CRS-HYPO-PED), a medication list feeds
/// CRS-AFEBRILE with the masking period, and CRS-O2's flow 0 and ICANS-CONTRA's contradictions are 400s naming both fields.
/// </summary>
public sealed class EvaluateAuditRuleTests
{
    private ServiceHost host = null!;
    private HttpClient nurse = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        host = new ServiceHost();
        nurse = host.ClientFor("nurse", "7W");
    }

    [OneTimeTearDown]
    public void StopHost()
    {
        nurse.Dispose();
        host.Dispose();
    }

    [TestCase("""{"crs":{"temperature":{"value":38.4,"unit":"Cel"},"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":0}}}""",
        "crs.oxygen.flowLitresPerMinute", "record room air instead", TestName = "Evaluate_CrsO2_NasalCannulaFlow0_Is400_RecordRoomAir")]
    [TestCase("""{"crs":{"oxygen":{"device":"non-rebreather","flowLitresPerMinute":0}}}""",
        "crs.oxygen.flowLitresPerMinute", "crs.oxygen.device", TestName = "Evaluate_CrsO2_NonRebreatherFlow0_Is400_NamingTheDevice")]
    [TestCase("""{"icans":{"iceNotPossibleReason":"unarousable","consciousness":"awakens-to-voice"}}""",
        "icans.iceNotPossibleReason", "consciousness", TestName = "Evaluate_IcansContra_NotPossibleUnarousableWithAwakensToVoice_Is400")]
    [TestCase("""{"icans":{"iceScore":4,"consciousness":"unarousable"}}""",
        "icans.iceScore", "consciousness", TestName = "Evaluate_IcansContra_IceScoreWithUnarousable_Is400")]
    [TestCase("""{"icans":{"sedated":true,"iceNotPossibleReason":"unarousable"}}""",
        "icans.sedated", "iceNotPossibleReason", TestName = "Evaluate_IcansContra_SedatedWithNotPossibleUnarousable_Is400")]
    [TestCase("""{"crs":{"medications":[{"class":"paracetamol"}]}}""",
        "crs.medications[0].class", "corticosteroid", TestName = "Evaluate_CrsAfebrile_UnknownMedicationClass_Is400_ListingTheClasses")]
    [TestCase("""{"crs":{"medications":[{"class":"corticosteroid","givenAt":"2026-03-01T08:00:00Z"}]}}""",
        "crs.assessedAt", "masking period", TestName = "Evaluate_CrsAfebrile_GivenAtWithoutAssessedAt_Is400")]
    public async Task Evaluate_AuditRuleInput_Is400NamingBothFields(string body, string path, string mentions)
    {
        var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        var errors = JsonNode.Parse(text)!["errors"]!.AsObject();
        Assert.That(errors.Select(e => e.Key), Does.Contain(path), text);
        Assert.That(errors[path]!.ToJsonString(), Does.Contain(mentions));
    }

    [TestCase(3, 80, 1, "76 mmHg", TestName = "Evaluate_CrsHypoPed_Age3Sbp80_Grade1_RuleNamesThreshold76")]
    [TestCase(3, 75, 2, "76 mmHg", TestName = "Evaluate_CrsHypoPed_Age3Sbp75_Grade2")]
    [TestCase(null, 80, 2, "Age not given", TestName = "Evaluate_CrsHypoPed_NoAgeSbp80_AdultThreshold_Grade2")]
    public async Task Evaluate_CrsTakesTheBodysAge(int? age, int sbp, int grade, string ruleText)
    {
        var ageField = age is { } a ? $"\"ageYears\":{a}," : string.Empty;
        var crs = await CrsAsync("{" + ageField + "\"crs\":{\"temperature\":{\"value\":38.4,\"unit\":\"Cel\"},\"systolicBp\":" + sbp + ",\"oxygen\":{\"device\":\"room-air\"}}}");
        Assert.That(crs["grade"]!.GetValue<int>(), Is.EqualTo(grade));
        Assert.That(crs["rules"]!.AsArray().Single(r => r!["id"]!.GetValue<string>() == "CRS-HYPO-PED")!["text"]!.GetValue<string>(), Does.Contain(ruleText));
    }

    [TestCase("2026-03-01T08:00:00Z", "not-gradable", TestName = "Evaluate_CrsAfebrile_SteroidGiven47hBefore_NotGradable_SuspectedMaskedFever")]
    [TestCase("2026-03-01T07:00:00Z", "graded", TestName = "Evaluate_CrsAfebrile_SteroidGiven48hBefore_OutsideTheMaskingPeriod_Grade0_AfebrileSupport")]
    [TestCase(null, "not-gradable", TestName = "Evaluate_CrsAfebrile_SteroidWithoutATime_TakenAsRecent_NotGradable")]
    public async Task Evaluate_CrsAfebrile_TheMedicationList(string? givenAt, string status)
    {
        var given = givenAt is null ? string.Empty : $",\"givenAt\":\"{givenAt}\"";
        var crs = await CrsAsync($$$"""
            {"crs":{"temperature":{"value":37.2,"unit":"Cel"},"systolicBp":120,"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":2},
             "assessedAt":"2026-03-03T07:00:00Z","medications":[{"class":"corticosteroid"{{{given}}}}]}}
            """);
        Assert.That(crs["status"]!.GetValue<string>(), Is.EqualTo(status), crs.ToJsonString());
        Assert.That(crs["flags"]!.ToJsonString(), Does.Contain(status == "graded" ? "afebrile-support" : "suspected-masked-fever"));
    }

    private async Task<JsonNode> CrsAsync(string body)
    {
        var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        return JsonNode.Parse(text)!["crs"]!;
    }
}
