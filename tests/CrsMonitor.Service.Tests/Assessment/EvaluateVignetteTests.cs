using System.Net;
using System.Text.Json.Nodes;

namespace CrsMonitor.Service.Tests.Assessment;

/// <summary>The calculator over HTTP against vignettes of shared/clinical/vignettes.md (the full table is in the grading tests).</summary>
public sealed class EvaluateVignetteTests
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

    [TestCase("C02", """{"temperature":{"value":38.0,"unit":"Cel"},"systolicBp":118,"oxygen":{"device":"room-air"}}""", 1, null)]
    [TestCase("C03", """{"temperature":{"value":100.4,"unit":"[degF]"},"oxygen":{"device":"room-air"}}""", 1, null)]
    [TestCase("C04", """{"temperature":{"value":100.3,"unit":"[degF]"},"oxygen":{"device":"room-air"}}""", 0, null)]
    [TestCase("C08", """{"temperature":{"value":38.4,"unit":"Cel"},"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":6.0}}""", 2, null)]
    [TestCase("C09", """{"temperature":{"value":38.4,"unit":"Cel"},"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":6.5}}""", 3, null)]
    [TestCase("C19", """{"temperature":{"value":38.9,"unit":"Cel"},"vasopressors":[{"agent":"norepinephrine"},{"agent":"phenylephrine"}]}""", 4, null)]
    [TestCase("C21", """{"temperature":{"value":38.9,"unit":"Cel"},"vasopressors":[{"agent":"vasopressin"}]}""", 3, "vasopressin-monotherapy")]
    [TestCase("C22", """{"temperature":{"value":38.9,"unit":"Cel"},"assessedAt":"2025-03-01T10:30:00Z","vasopressors":[{"agent":"norepinephrine","start":"2025-03-01T08:00:00Z","end":"2025-03-01T10:00:00Z"},{"agent":"phenylephrine","start":"2025-03-01T10:05:00+00:00"}]}""", 3, null)]
    [TestCase("C33", """{"temperature":{"value":38.5,"unit":"Cel"},"oxygen":{"device":"high-flow-nasal-cannula","flowLitresPerMinute":6}}""", 2, "hfnc-low-flow")]
    [TestCase("C36", """{"crsEstablished":true,"feverTherapyGiven":true,"temperature":{"value":37.0,"unit":"Cel"},"systolicBp":120,"oxygen":{"device":"room-air"}}""", 1, "fever-masked")]
    public async Task Evaluate_CrsVignette_GradesAsExpected(string id, string crs, int grade, string? flag)
    {
        var result = (await EvaluateAsync($$"""{"crs":{{crs}}}"""))["crs"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result["status"]!.GetValue<string>(), Is.EqualTo("graded"), id);
            Assert.That(result["grade"]!.GetValue<int>(), Is.EqualTo(grade), id);
            if (flag is not null)
            {
                Assert.That(Words(result["flags"]), Does.Contain(flag), id);
            }
        }
    }

    [Test]
    public async Task Evaluate_C26_SteroidPremedicationAfebrileHypotensive_IsNotGradable_SuspectedMaskedFever()
    {
        var result = (await EvaluateAsync("""
            {"crs":{"steroidPremedication":true,"temperature":{"value":37.6,"unit":"Cel"},"systolicBp":86,"fluidBolusForHypotension":true}}
            """))["crs"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result["status"]!.GetValue<string>(), Is.EqualTo("not-gradable"));
            Assert.That(result["grade"], Is.Null);
            Assert.That(result["reason"]!.GetValue<string>(), Is.EqualTo("suspected-masked-fever"));
        }
    }

    [TestCase("I07", """{"iceScore":0,"consciousness":"alert"}""", 3, null)]
    [TestCase("I08", """{"iceNotPossibleReason":"unarousable"}""", 4, null)]
    [TestCase("I12", """{"iceScore":3,"consciousness":"alert","seizure":"rapidly-resolving"}""", 3, null)]
    [TestCase("I21", """{"iceScore":7,"consciousness":"alert","icp":"papilledema"}""", 4, null)]
    [TestCase("I27", """{"baselineIceScore":8,"orientationYear":true,"orientationMonth":true,"orientationCity":true,"orientationHospital":true,"namingCount":3,"followsCommands":true,"writesSentence":false,"countsBackwards":false,"consciousness":"alert"}""", 0, "baseline-limited")]
    [TestCase("I29", """{"capdScore":10,"consciousness":"awakens-spontaneously"}""", 3, null)]
    [TestCase("I31", """{"capdScore":6,"capdBaseline":0,"consciousness":"awakens-to-voice"}""", 2, null)]
    public async Task Evaluate_IcansVignette_GradesAsExpected(string id, string icans, int grade, string? flag)
    {
        var age = id is "I29" or "I31" ? 7 : 45;
        var result = (await EvaluateAsync($$"""{"ageYears":{{age}},"icans":{{icans}}}"""))["icans"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result["status"]!.GetValue<string>(), Is.EqualTo("graded"), id);
            Assert.That(result["grade"]!.GetValue<int>(), Is.EqualTo(grade), id);
            if (flag is not null)
            {
                Assert.That(Words(result["flags"]), Does.Contain(flag), id);
            }
        }
    }

    [Test]
    public async Task Evaluate_I26_SedatedOnPropofol_IsNotGradable_IceAndConsciousnessNotAssessable()
    {
        var result = (await EvaluateAsync("""
            {"ageYears":58,"icans":{"iceNotPossibleReason":"sedated","sedated":true,"consciousness":"unarousable","seizure":"none","motor":"none","icp":"none"}}
            """))["icans"]!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result["status"]!.GetValue<string>(), Is.EqualTo("not-gradable"));
            Assert.That(result["grade"], Is.Null);
            Assert.That(result["reason"]!.GetValue<string>(), Is.EqualTo("sedated"));
            Assert.That(result["domains"]!.AsArray().Count(d => d!["status"]!.GetValue<string>() == "not-assessable"), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task Evaluate_B01_BothScales_GradedIndependently_WithTheirBasis()
    {
        var response = await EvaluateAsync("""
            {"ageYears":45,
             "crs":{"temperature":{"value":38.7,"unit":"Cel"},"oxygen":{"device":"nasal-cannula","flowLitresPerMinute":3}},
             "icans":{"iceScore":5,"consciousness":"alert"}}
            """);
        using (Assert.EnterMultipleScope())
        {
            foreach (var (scale, grade) in new[] { ("crs", 2), ("icans", 2) })
            {
                var result = response[scale]!;
                Assert.That(result["grade"]!.GetValue<int>(), Is.EqualTo(grade), scale);
                Assert.That(result["system"]!.GetValue<string>(), Is.EqualTo("ASTCT-2019"), scale);
                Assert.That(result["rules"]!.AsArray(), Is.Not.Empty, scale);
                Assert.That(result["rules"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()), Has.All.Match("^(CRS|ICANS|CAPD)-[A-Z0-9-]+$"), scale);
                Assert.That(result["rules"]!.AsArray().Select(r => r!["text"]!.GetValue<string>()), Has.All.Not.Empty, scale);
                Assert.That(result["inputs"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()), Is.Not.Empty, scale);
                Assert.That(result["missing"], Is.InstanceOf<JsonArray>(), scale);
                Assert.That(result["flags"], Is.InstanceOf<JsonArray>(), scale);
            }

            var domains = response["icans"]!["domains"]!.AsArray();
            Assert.That(domains, Is.Not.Empty);
            Assert.That(domains.Select(d => d!["status"]!.GetValue<string>()).Distinct(), Is.SubsetOf(new[] { "graded", "not-assessable", "missing" }));
            Assert.That(domains.Select(d => d!["domain"]!.GetValue<string>()), Has.All.Not.Empty);
        }
    }

    [Test]
    public async Task Evaluate_OnlyIcansGiven_CrsIsNull()
    {
        var response = await EvaluateAsync("""{"icans":{"iceScore":10,"consciousness":"alert"}}""");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.ContainsKey("crs"), Is.True);
            Assert.That(response["crs"], Is.Null);
            Assert.That(response["icans"]!["grade"]!.GetValue<int>(), Is.EqualTo(0));
        }
    }

    [Test]
    public async Task Evaluate_ResponseIsNotCached_AndUsesCamelCase()
    {
        using var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json("""{"crs":{"temperature":{"value":38,"unit":"Cel"}}}"""));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
            Assert.That(body.Select(p => p.Key), Is.EqualTo(new[] { "crs", "icans" }));
            Assert.That(body["crs"]!.AsObject().Select(p => p.Key),
                Is.EqualTo(new[] { "status", "grade", "reason", "flags", "rules", "domains", "inputs", "missing", "system" }));
        }
    }

    private async Task<JsonObject> EvaluateAsync(string json)
    {
        using var response = await nurse.PostAsync("/api/grading/evaluate", ServiceHost.Json(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        return JsonNode.Parse(body)!.AsObject();
    }

    private static IEnumerable<string> Words(JsonNode? array) => array!.AsArray().Select(w => w!.GetValue<string>());
}
