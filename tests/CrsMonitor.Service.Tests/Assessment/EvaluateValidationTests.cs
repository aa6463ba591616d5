using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>
/// Every invalid body is a 400 application/problem+json whose <c>errors</c> name the field by JSON path and say why;
/// never a 500, never a grade computed from a half-understood body.
/// </summary>
public sealed class EvaluateValidationTests
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

    // Body as a whole
    [TestCase("""{"crs": """, "$", TestName = "Evaluate_MalformedJson_Is400")]
    [TestCase("", "$", TestName = "Evaluate_EmptyBody_Is400")]
    [TestCase("[1,2]", "$", TestName = "Evaluate_BodyNotAnObject_Is400")]
    [TestCase("{}", "$", TestName = "Evaluate_NeitherCrsNorIcans_Is400")]
    [TestCase("""{"crs":null,"icans":null}""", "$", TestName = "Evaluate_BothScalesNull_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":[[[[[[[[[[[[[[[[[[38]]]]]]]]]]]]]]]]]]}}}""", "$", TestName = "Evaluate_TooDeeplyNested_Is400")]
    [TestCase("""{"crs":{}, "agee":5}""", "agee", TestName = "Evaluate_UnknownTopLevelField_Is400")]
    [TestCase("""{"crs":{},"crs":{}}""", "crs", TestName = "Evaluate_DuplicateField_Is400")]
    [TestCase("""{"crs":5}""", "crs", TestName = "Evaluate_CrsNotAnObject_Is400")]
    [TestCase("""{"ageYears":200,"icans":{}}""", "ageYears", TestName = "Evaluate_AgeOver130_Is400")]
    [TestCase("""{"ageYears":-1,"icans":{}}""", "ageYears", TestName = "Evaluate_NegativeAge_Is400")]
    [TestCase("""{"ageYears":7.5,"icans":{}}""", "ageYears", TestName = "Evaluate_FractionalAge_Is400")]
    [TestCase("""{"ageYears":"7","icans":{}}""", "ageYears", TestName = "Evaluate_AgeAsString_Is400")]

    // CRS
    [TestCase("""{"crs":{"temprature":{"value":38,"unit":"Cel"}}}""", "crs.temprature", TestName = "Evaluate_UnknownCrsField_Is400")]
    [TestCase("""{"crs":{"temperature":38.5}}""", "crs.temperature", TestName = "Evaluate_TemperatureNotAnObject_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":38.5}}}""", "crs.temperature.unit", TestName = "Evaluate_TemperatureWithoutUnit_Is400")]
    [TestCase("""{"crs":{"temperature":{"unit":"Cel"}}}""", "crs.temperature.value", TestName = "Evaluate_TemperatureWithoutValue_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":"38.5","unit":"Cel"}}}""", "crs.temperature.value", TestName = "Evaluate_TemperatureValueAsString_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":38.5,"unit":"K"}}}""", "crs.temperature.unit", TestName = "Evaluate_TemperatureUnknownUnit_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":60,"unit":"Cel"}}}""", "crs.temperature.value", TestName = "Evaluate_TemperatureAbove45C_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":20,"unit":"Cel"}}}""", "crs.temperature.value", TestName = "Evaluate_TemperatureBelow25C_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":38.4,"unit":"[degF]"}}}""", "crs.temperature.value", TestName = "Evaluate_CelsiusValueSentAsFahrenheit_Is400")]
    [TestCase("""{"crs":{"temperature":{"value":38.4,"unit":"Cel","site":"oral"}}}""", "crs.temperature.site", TestName = "Evaluate_UnknownTemperatureField_Is400")]
    [TestCase("""{"crs":{"systolicBp":-5}}""", "crs.systolicBp", TestName = "Evaluate_NegativeSystolicBp_Is400")]
    [TestCase("""{"crs":{"systolicBp":400}}""", "crs.systolicBp", TestName = "Evaluate_SystolicBpOver300_Is400")]
    [TestCase("""{"crs":{"systolicBp":1e400}}""", "crs.systolicBp", TestName = "Evaluate_SystolicBpHugeNumber_Is400")]
    [TestCase("""{"crs":{"crsEstablished":"yes"}}""", "crs.crsEstablished", TestName = "Evaluate_BooleanAsString_Is400")]
    [TestCase("""{"crs":{"fluidBolusForHypotension":1}}""", "crs.fluidBolusForHypotension", TestName = "Evaluate_BooleanAsNumber_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"nasal-canula","flowLitresPerMinute":2}}}""", "crs.oxygen.device", TestName = "Evaluate_UnknownOxygenDevice_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":5}}}""", "crs.oxygen.device", TestName = "Evaluate_OxygenDeviceNotAString_Is400")]
    [TestCase("""{"crs":{"oxygen":{"flowLitresPerMinute":2}}}""", "crs.oxygen.device", TestName = "Evaluate_OxygenWithoutDevice_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":-2}}}""", "crs.oxygen.flowLitresPerMinute", TestName = "Evaluate_NegativeFlow_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"high-flow-nasal-cannula","flowLitresPerMinute":200}}}""", "crs.oxygen.flowLitresPerMinute", TestName = "Evaluate_FlowOver80_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":"6"}}}""", "crs.oxygen.flowLitresPerMinute", TestName = "Evaluate_FlowAsString_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"room-air","flowLitresPerMinute":2}}}""", "crs.oxygen.flowLitresPerMinute", TestName = "Evaluate_FlowOnRoomAir_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"room-air","flow":2}}}""", "crs.oxygen.flow", TestName = "Evaluate_UnknownOxygenField_Is400")]
    [TestCase("""{"crs":{"oxygen":{"device":"room-air","roomAirSpo2":101}}}""", "crs.oxygen.roomAirSpo2", TestName = "Evaluate_Spo2Over100_Is400")]
    [TestCase("""{"crs":{"vasopressors":{"agent":"norepinephrine"}}}""", "crs.vasopressors", TestName = "Evaluate_VasopressorsNotAnArray_Is400")]
    [TestCase("""{"crs":{"vasopressors":[5]}}""", "crs.vasopressors[0]", TestName = "Evaluate_VasopressorNotAnObject_Is400")]
    [TestCase("""{"crs":{"vasopressors":[{"start":"2025-03-01T10:00:00Z"}],"assessedAt":"2025-03-01T11:00:00Z"}}""", "crs.vasopressors[0].agent", TestName = "Evaluate_VasopressorWithoutAgent_Is400")]
    [TestCase("""{"crs":{"vasopressors":[{"agent":"norepinephrine"},{"agent":"levophed"}]}}""", "crs.vasopressors[1].agent", TestName = "Evaluate_UnknownVasopressorAgent_Is400")]
    [TestCase("""{"crs":{"assessedAt":"2025-03-01T11:00:00Z","vasopressors":[{"agent":"norepinephrine","start":"2025-03-01T10:00:00Z","end":"2025-03-01T09:00:00Z"}]}}""", "crs.vasopressors[0].end", TestName = "Evaluate_VasopressorEndBeforeStart_Is400")]
    [TestCase("""{"crs":{"vasopressors":[{"agent":"norepinephrine","start":"2025-03-01T10:00:00Z"}]}}""", "crs.assessedAt", TestName = "Evaluate_VasopressorTimesWithoutAssessedAt_Is400")]
    [TestCase("""{"crs":{"assessedAt":"2025-03-01T11:00:00Z","vasopressors":[{"agent":"norepinephrine","start":"2025-03-01T10:00:00"}]}}""", "crs.vasopressors[0].start", TestName = "Evaluate_TimeWithoutUtcOffset_Is400")]
    [TestCase("""{"crs":{"assessedAt":"2025-03-01"}}""", "crs.assessedAt", TestName = "Evaluate_DateWithoutTime_Is400")]
    [TestCase("""{"crs":{"assessedAt":"yesterday"}}""", "crs.assessedAt", TestName = "Evaluate_TimeNotADate_Is400")]
    [TestCase("""{"crs":{"assessedAt":"2025-02-30T10:00:00Z"}}""", "crs.assessedAt", TestName = "Evaluate_ImpossibleDate_Is400")]
    [TestCase("""{"crs":{"assessedAt":1740823200}}""", "crs.assessedAt", TestName = "Evaluate_TimeAsNumber_Is400")]
    [TestCase("""{"crs":{"organToxicities":["grade 3 creatinine", 5]}}""", "crs.organToxicities[1]", TestName = "Evaluate_OrganToxicityNotAString_Is400")]

    // ICANS
    [TestCase("""{"icans":{"iceScroe":7}}""", "icans.iceScroe", TestName = "Evaluate_UnknownIcansField_Is400")]
    [TestCase("""{"icans":{"iceScore":11}}""", "icans.iceScore", TestName = "Evaluate_IceScoreOver10_Is400")]
    [TestCase("""{"icans":{"iceScore":-1}}""", "icans.iceScore", TestName = "Evaluate_NegativeIceScore_Is400")]
    [TestCase("""{"icans":{"iceScore":7.5}}""", "icans.iceScore", TestName = "Evaluate_FractionalIceScore_Is400")]
    [TestCase("""{"icans":{"baselineIceScore":12}}""", "icans.baselineIceScore", TestName = "Evaluate_BaselineIceOver10_Is400")]
    [TestCase("""{"icans":{"orientationYear":true,"orientationMonth":true,"orientationCity":true,"orientationHospital":true,"namingCount":4,"followsCommands":true,"writesSentence":true,"countsBackwards":true}}""", "icans.namingCount", TestName = "Evaluate_NamingCountOver3_Is400")]
    [TestCase("""{"icans":{"orientationYear":true,"orientationMonth":false}}""", "icans.writesSentence", TestName = "Evaluate_PartialIceItems_Is400")]
    [TestCase("""{"icans":{"iceScore":9,"orientationYear":true,"orientationMonth":true,"orientationCity":true,"orientationHospital":true,"namingCount":3,"followsCommands":true,"writesSentence":true,"countsBackwards":true}}""", "icans.iceScore", TestName = "Evaluate_IceScoreDisagreesWithItems_Is400")]
    [TestCase("""{"icans":{"iceNotPossibleReason":"unarousable","iceScore":0}}""", "icans.iceNotPossibleReason", TestName = "Evaluate_IceNotPossibleWithScore_Is400")]
    [TestCase("""{"icans":{"iceNotPossibleReason":"asleep"}}""", "icans.iceNotPossibleReason", TestName = "Evaluate_UnknownIceNotPossibleReason_Is400")]
    [TestCase("""{"icans":{"consciousness":"awake"}}""", "icans.consciousness", TestName = "Evaluate_UnknownConsciousness_Is400")]
    [TestCase("""{"icans":{"seizure":"generalized"}}""", "icans.seizure", TestName = "Evaluate_UnknownSeizure_Is400")]
    [TestCase("""{"icans":{"motor":true}}""", "icans.motor", TestName = "Evaluate_MotorNotAString_Is400")]
    [TestCase("""{"icans":{"icp":["focal-edema","brain-swelling"]}}""", "icans.icp[1]", TestName = "Evaluate_UnknownIcpFindingInArray_Is400")]
    [TestCase("""{"icans":{"icp":["none","papilledema"]}}""", "icans.icp", TestName = "Evaluate_IcpNoneWithAFinding_Is400")]
    [TestCase("""{"icans":{"icp":[]}}""", "icans.icp", TestName = "Evaluate_IcpEmptyArray_Is400")]
    [TestCase("""{"icans":{"icp":5}}""", "icans.icp", TestName = "Evaluate_IcpNumber_Is400")]
    [TestCase("""{"icans":{"excludedFindings":"tremor"}}""", "icans.excludedFindings", TestName = "Evaluate_ExcludedFindingsNotAnArray_Is400")]
    [TestCase("""{"icans":{"excludedFindings":["tremor","headache"]}}""", "icans.excludedFindings[1]", TestName = "Evaluate_UnknownExcludedFinding_Is400")]
    [TestCase("""{"icans":{"sedated":"no"}}""", "icans.sedated", TestName = "Evaluate_SedatedAsString_Is400")]
    [TestCase("""{"icans":{"capdScore":33}}""", "icans.capdScore", TestName = "Evaluate_CapdScoreOver32_Is400")]
    [TestCase("""{"icans":{"capdBaseline":-1}}""", "icans.capdBaseline", TestName = "Evaluate_NegativeCapdBaseline_Is400")]
    [TestCase("""{"icans":{"capdItems":{"eyeContact":"never"}}}""", "icans.capdItems.slowToRespond", TestName = "Evaluate_PartialCapdItems_Is400")]
    [TestCase("""{"icans":{"capdItems":{"eyeContact":"never","purposefulActions":"never","awareOfSurroundings":"never","communicatesNeeds":"never","restless":"constantly","inconsolable":"never","underactive":"never","slowToRespond":"never"}}}""", "icans.capdItems.restless", TestName = "Evaluate_UnknownCapdFrequency_Is400")]
    [TestCase("""{"icans":{"capdScore":3,"capdItems":{"eyeContact":"always","purposefulActions":"always","awareOfSurroundings":"always","communicatesNeeds":"always","restless":"never","inconsolable":"never","underactive":"never","slowToRespond":"never"}}}""", "icans.capdScore", TestName = "Evaluate_CapdScoreDisagreesWithItems_Is400")]
    [TestCase("""{"icans":{"iceNotPossibleReason":"unarousable","capdScore":12}}""", "icans.iceNotPossibleReason", TestName = "Evaluate_NotPossibleWithCapdScore_Is400")]
    public async Task Evaluate_InvalidBody_Is400NamingTheField(string body, string path)
    {
        var errors = await PostExpecting400(body);
        Assert.That(errors.Select(e => e.Key), Does.Contain(path), errors.ToJsonString());
        Assert.That(errors[path]!.AsArray().Select(m => m!.GetValue<string>()), Has.All.Not.Empty);
    }

    [Test]
    public async Task Evaluate_UnknownField_SuggestsTheRightName()
    {
        var errors = await PostExpecting400("""{"crs":{"temprature":{"value":38,"unit":"Cel"}}}""");
        Assert.That(Messages(errors, "crs.temprature"), Has.Some.EqualTo("unknown field 'crs.temprature'; did you mean 'temperature'?"));
    }

    [Test]
    public async Task Evaluate_UnknownCodeWord_ListsTheAllowedWords()
    {
        var errors = await PostExpecting400("""{"crs":{"oxygen":{"device":"nasal-canula"}}}""");
        Assert.That(Messages(errors, "crs.oxygen.device"), Has.Some.StartsWith(
            "'nasal-canula' is not one of: room-air, nasal-cannula, blow-by, high-flow-nasal-cannula, simple-face-mask, non-rebreather, venturi-mask, cpap, bipap, mechanical-ventilation"));
    }

    [Test]
    public async Task Evaluate_TimeWithoutOffset_SaysTheOffsetIsMissing()
    {
        var errors = await PostExpecting400("""{"crs":{"assessedAt":"2025-03-01T10:30:00"}}""");
        Assert.That(Messages(errors, "crs.assessedAt"), Has.Some.Contain("no UTC offset"));
    }

    [Test]
    public async Task Evaluate_VasopressorTimesWithoutAssessedAt_SaysWhyItIsNeeded()
    {
        var errors = await PostExpecting400("""{"crs":{"vasopressors":[{"agent":"norepinephrine","end":"2025-03-01T10:00:00Z"}]}}""");
        Assert.That(Messages(errors, "crs.assessedAt"), Has.Some.Contain("crs.vasopressors[0]"));
    }

    [Test]
    public async Task Evaluate_SeveralProblems_AreAllReportedAtOnce()
    {
        var errors = await PostExpecting400("""{"crs":{"systolicBp":-1,"oxygen":{"device":"tent"}},"icans":{"iceScore":12}}""");
        Assert.That(errors.Select(e => e.Key), Is.SupersetOf(new[] { "crs.systolicBp", "crs.oxygen.device", "icans.iceScore" }));
    }

    [Test]
    public async Task Evaluate_Problem_IsValidationProblemJson()
    {
        using var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json("""{"crs":{"systolicBp":-1}}"""));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
            Assert.That(body["status"]!.GetValue<int>(), Is.EqualTo(400));
            Assert.That(body["title"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(body["errors"], Is.InstanceOf<JsonObject>());
        }
    }

    [TestCase("text/plain")]
    [TestCase("application/xml")]
    [TestCase("application/json; charset=utf-16")]
    public async Task Evaluate_NotJsonContentType_Is415(string contentType)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"crs":{}}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await nurse.PostAsync("/api/grading/evaluate", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Evaluate_NoContentType_Is415()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"crs":{}}"""));
        using var response = await nurse.PostAsync("/api/grading/evaluate", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnsupportedMediaType));
    }

    [Test]
    public async Task Evaluate_JsonWithoutCharset_IsAccepted()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"crs":{"temperature":{"value":38,"unit":"Cel"}}}"""));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var response = await nurse.PostAsync("/api/grading/evaluate", content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task Evaluate_BodyOver64KB_Is413()
    {
        var padding = new string(' ', 70 * 1024);
        using var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json($$"""{"crs":{}{{padding}}}"""));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    private async Task<JsonObject> PostExpecting400(string body)
    {
        using var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        return JsonNode.Parse(text)!["errors"]!.AsObject();
    }

    private static IEnumerable<string> Messages(JsonObject errors, string path) =>
        errors[path]?.AsArray().Select(m => m!.GetValue<string>()) ?? [];
}
